import DequeModule
import Foundation
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import PubSubCore
import Synchronization

/// The live end of a connection: the bounded queue its writer drains, and a way to close the socket
/// that is never blocked behind that queue.
struct Transport: Sendable {
    let frames: ChannelWriter
    /// Asks the socket to close (it hops to the channel's event loop; never blocks).
    let close: @Sendable (CloseRequest) -> Void
    /// Distinguishes transports of one reliable session across recoveries.
    let id: UInt64
}
