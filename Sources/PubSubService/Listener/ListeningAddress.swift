import Hummingbird
import PubSubCore
import Synchronization

/// The port the service actually listens on (known only once it is bound, for `--port 0`), and the
/// audiences a token may name to reach it.
final class ListeningAddress: Sendable {
    private let boundPort: Atomic<Int>

    init(configuredPort: Int) {
        boundPort = Atomic(configuredPort)
    }

    var port: Int { boundPort.load(ordering: .relaxed) }

    func bound(to port: Int) { boundPort.store(port, ordering: .relaxed) }

    /// What `aud` must name for a request to `path`: the URL as the client addressed us (its Host
    /// header), or the same path on localhost or 127.0.0.1 at our port, whatever scheme (§3.1, §3.2).
    func audience(for request: Request, path: String) -> AudienceExpectation {
        audience(authority: request.head.authority, path: path)
    }

    /// ``audience(for:path:)`` from the request's Host header.
    func audience(authority: String?, path: String) -> AudienceExpectation {
        let authority = authority ?? "localhost:\(port)"
        return .resource(
            authority: authority,
            path: path,
            alternateAuthorities: [
                .init(host: "localhost", port: port), .init(host: "127.0.0.1", port: port), .init(host: "[::1]", port: port),
            ]
        )
    }
}
