import DequeModule
import Foundation
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import PubSubCore
import Synchronization

/// How the service asks a connection's socket to close.
struct CloseRequest: Sendable, Equatable {
    /// WebSocket close code.
    var code: WebSocketErrorCode
    /// Close reason (also the `message` of the `disconnected` system frame for JSON clients).
    var reason: String
}
