import Foundation

/// What a token's `aud` must name, checked leniently as the protocol reference recommends (§3.1,
/// §3.2), because the SDKs disagree with the docs and the real service accepts them all:
///
/// - the scheme is ignored (`http`, `https`, `ws`, `wss` are interchangeable), host and path are
///   compared case-insensitively (hub names are case-insensitive), the query and a trailing `/` are
///   dropped: the Python, .NET and JS SDKs put the full REST URL with its query into `aud`;
/// - the port must match, the scheme's default port standing in for an absent one;
/// - the `aud` path must equal the expected path or be a prefix of it at a `/` boundary, so that the
///   documented `…/api/hubs/myhub` audience is good for every call on that hub.
public struct AudienceExpectation: Sendable, Hashable {
    /// A host and port an audience may name.
    public struct Authority: Sendable, Hashable {
        /// Lower-cased host.
        public let host: String
        /// The port (the scheme default when the URL had none).
        public let port: Int

        /// Creates an authority; the host is lower-cased.
        public init(host: String, port: Int) {
            self.host = host.lowercased()
            self.port = port
        }
    }

    private enum Rule: Sendable, Hashable {
        case any
        /// `aud` path is a prefix of the resource path.
        case resource(authorities: [Authority], pathSegments: [String])
        /// `aud` path lies within the service's path.
        case service(authorities: [Authority], pathSegments: [String])
    }

    private let rule: Rule
    /// What was expected, for messages.
    public let expectedDescription: String

    /// Any audience is accepted (signature and expiry are still checked).
    public static let any = AudienceExpectation(rule: .any, expectedDescription: "any audience")

    /// The audience must name this resource: a REST request URL or a client URL (any scheme), or a
    /// prefix of its path. `alternateAuthorities` lists other host:port pairs that reach the same
    /// service (a local service is both `localhost` and `127.0.0.1`).
    public static func resource(_ url: String, alternateAuthorities: [Authority] = []) -> AudienceExpectation {
        guard let parsed = parse(url) else {
            return AudienceExpectation(rule: .resource(authorities: [], pathSegments: []), expectedDescription: url)
        }
        return AudienceExpectation(
            rule: .resource(authorities: [parsed.authority] + alternateAuthorities, pathSegments: parsed.segments),
            expectedDescription: url
        )
    }

    /// ``resource(_:alternateAuthorities:)`` for `http://<authority><path>`, built from its parts (no
    /// URL parsing: the service makes one per connection). `authority` is a Host header value:
    /// `host`, `host:port` or `[v6]:port`; without a port, 80.
    public static func resource(authority: String, path: String, alternateAuthorities: [Authority] = []) -> AudienceExpectation {
        var host = Substring(authority)
        var port = 80
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].utf8.contains(UInt8(ascii: "]")),
            let number = Int(authority[authority.index(after: colon)...])
        {
            host = authority[..<colon]
            port = number
        }
        guard !host.isEmpty else { return resource("http://\(authority)\(path)", alternateAuthorities: alternateAuthorities) }
        return AudienceExpectation(
            rule: .resource(authorities: [Authority(host: String(host), port: port)] + alternateAuthorities, pathSegments: segments(of: path)),
            expectedDescription: "http://\(authority)\(path)"
        )
    }

    /// The audience must name something on this service: same host and port, any path under the
    /// endpoint's path.
    public static func service(_ endpoint: ServiceEndpoint) -> AudienceExpectation {
        let authority = Authority(host: endpoint.host, port: endpoint.effectivePort)
        return AudienceExpectation(
            rule: .service(authorities: [authority], pathSegments: segments(of: endpoint.path)),
            expectedDescription: "a URL on \(endpoint.url)"
        )
    }

    /// Whether one `aud` value satisfies the expectation.
    public func accepts(_ audience: String) -> Bool {
        switch rule {
        case .any:
            return true
        case .resource(let authorities, let expected):
            guard let aud = Self.parse(audience), authorities.contains(aud.authority) else { return false }
            return aud.segments.count <= expected.count && Array(expected.prefix(aud.segments.count)) == aud.segments
        case .service(let authorities, let base):
            guard let aud = Self.parse(audience), authorities.contains(aud.authority) else { return false }
            return aud.segments.count >= base.count && Array(aud.segments.prefix(base.count)) == base
        }
    }

    private static func parse(_ text: String) -> (authority: Authority, segments: [String])? {
        parsePlain(text) ?? parseWithURLComponents(text)
    }

    package static func parseWithURLComponents(_ text: String) -> (authority: Authority, segments: [String])? {
        guard let components = URLComponents(string: text.trimmingWhitespace()),
            let scheme = components.scheme?.lowercased(),
            let host = components.percentEncodedHost, !host.isEmpty
        else { return nil }
        let defaultPort: Int
        switch scheme {
        case "https", "wss": defaultPort = 443
        case "http", "ws": defaultPort = 80
        default: return nil
        }
        return (Authority(host: host, port: components.port ?? defaultPort), segments(of: components.percentEncodedPath))
    }

    /// The common audience, `scheme://host[:port]/path` in lower case with nothing to decode, read
    /// byte by byte (`URLComponents` was a tenth of admitting a client); nil sends anything else
    /// (upper case, `%`, a query, user info, IPv6, an odd port) to `URLComponents`. A test holds the
    /// two readings equal.
    package static func parsePlain(_ text: String) -> (authority: Authority, segments: [String])? {
        var bytes = text.utf8[...]
        let defaultPort: Int
        if bytes.starts(with: "http://".utf8) {
            defaultPort = 80
            bytes = bytes.dropFirst(7)
        } else if bytes.starts(with: "https://".utf8) {
            defaultPort = 443
            bytes = bytes.dropFirst(8)
        } else if bytes.starts(with: "ws://".utf8) {
            defaultPort = 80
            bytes = bytes.dropFirst(5)
        } else if bytes.starts(with: "wss://".utf8) {
            defaultPort = 443
            bytes = bytes.dropFirst(6)
        } else {
            return nil
        }
        func isHostByte(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
        let hostEnd = bytes.firstIndex { !isHostByte($0) } ?? bytes.endIndex
        guard hostEnd > bytes.startIndex, let host = String(bytes[..<hostEnd]) else { return nil }
        bytes = bytes[hostEnd...]
        var port = defaultPort
        if bytes.first == UInt8(ascii: ":") {
            let digits = bytes.dropFirst().prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            guard (1...5).contains(digits.count), let text = String(digits), let number = Int(text), number <= 65535 else { return nil }
            port = number
            bytes = bytes[digits.endIndex...]
        }
        guard bytes.isEmpty || bytes.first == UInt8(ascii: "/") else { return nil }
        let plainPath = bytes.allSatisfy { byte in
            isHostByte(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
        }
        guard plainPath, let path = String(bytes) else { return nil }
        return (Authority(host: host, port: port), path.split(separator: "/").map(String.init))
    }

    private static func segments(of path: String) -> [String] {
        // Byte checks, not `contains("%")`: that one is Foundation's string search, and this runs
        // for every client that connects.
        path.split(separator: "/").map { segment in
            let text = segment.utf8.contains(UInt8(ascii: "%")) ? segment.removingPercentEncoding ?? String(segment) : String(segment)
            let lowerAlready = text.utf8.allSatisfy { $0 < 0x80 && !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
            return lowerAlready ? text : text.lowercased()
        }
    }
}
