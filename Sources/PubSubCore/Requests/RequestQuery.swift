/// The decoded query parameters of a request, in their order. The HTTP server parses the query
/// (Hummingbird's `URI`); everything the service reads from it goes through this type, so the
/// reading can be fuzzed without the server.
public struct RequestQuery: Sendable {
    public private(set) var pairs: [(name: String, value: String)]

    public init(_ pairs: [(name: String, value: String)] = []) {
        self.pairs = pairs
    }

    /// The first value of `name`.
    public func value(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value of `name`, in order (`group=a&group=b`).
    public func values(_ name: String) -> [String] {
        pairs.compactMap { $0.name == name ? $0.value : nil }
    }
}
