import Foundation
import NIOCore
import PubSubCore

/// Why a server command (`serve`, `serve-sse`) stopped, as an error a user can act on.
enum ListenFailure {
    /// Maps the error that ended a server's service group: a `PubSubError` as is, a port in use or
    /// an address this machine does not have with a hint, anything else as "<what> stopped".
    static func explain(_ error: any Error, host: String, port: Int, what: String) -> PubSubError {
        if let error = error as? PubSubError { return error }
        if let error = error as? IOError, error.errnoCode == EADDRINUSE {
            return PubSubError(
                .serviceFailed,
                "cannot listen on \(host):\(port): the port is already in use",
                hint: "stop the other process, or pick another port with --port (0 picks a free one)",
                exitStatus: .unavailable
            )
        }
        if let error = error as? IOError, error.errnoCode == EADDRNOTAVAIL {
            return PubSubError(
                .serviceFailed,
                "cannot listen on \(host): no network interface has that address",
                hint: "use 127.0.0.1 (the default), or an address of this machine",
                exitStatus: .unavailable
            )
        }
        return PubSubError(.serviceFailed, "\(what) stopped: \(error)", exitStatus: .unavailable)
    }
}

extension PubSubError.Code {
    static let serviceFailed = Self("serviceFailed")
}
