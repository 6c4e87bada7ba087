import Logging
import NIOWebSocket
import PubSubCore
import HummingbirdWebSocket
import Synchronization

/// The close codes the service uses (protocol reference §10.1).
enum WebSocketCloseCode: Sendable {
    /// 1000: normal, REST close, client close.
    case normal
    /// 1008: the session cannot be recovered (recovery refused, buffer overflow, protocol violation).
    case policyViolation
    /// 1001: the service is going away (shutdown).
    case goingAway
    /// 1011: internal error.
    case internalError

    var nioCode: WebSocketErrorCode {
        switch self {
        case .normal: return .normalClosure
        case .policyViolation: return .policyViolation
        case .goingAway: return .goingAway
        case .internalError: return .unexpectedServerError
        }
    }
}
