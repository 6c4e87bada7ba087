import HTTPTypes

/// Why the service refused a request: an HTTP status, Azure's error code and a message that says
/// what was wrong and what to do. The one refusal type of every endpoint (WebSocket admission,
/// REST, SSE, trace); how it is written on the wire is ``format``.
public struct Refusal: Error, Sendable, Equatable {
    /// How the refusal is written.
    public enum Format: Sendable, Equatable {
        /// Azure's REST `ErrorDetail`: `{"code": …, "message": …}` and `x-ms-error-code` (§7.1).
        case errorDetail
        /// The message as `text/plain` (handshakes, SSE, trace: what a browser or curl shows).
        case text
    }

    public var status: HTTPResponse.Status
    /// Azure's error code (`x-ms-error-code` of a REST error).
    public var code: String
    public var message: String
    public var format: Format
    /// The hub the request named, when it named a valid one (for the trace).
    public var hub: String?

    /// A REST refusal, written as Azure's `ErrorDetail`.
    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
        format = .errorDetail
    }

    /// A refusal written as plain text; its code is the status's reason phrase without spaces.
    public init(_ status: HTTPResponse.Status, _ message: String, hub: String? = nil) {
        self.status = status
        code = status.reasonPhrase.filter { !$0.isWhitespace }
        self.message = message
        format = .text
        self.hub = hub
    }

    /// The same refusal, naming `hub`.
    public func naming(hub: String) -> Refusal {
        var copy = self
        copy.hub = hub
        return copy
    }

    public static let methodNotAllowed = Refusal(.methodNotAllowed, "MethodNotAllowed", "this path does not take that method")
}
