import Foundation
import NIOCore
import PubSubCore

/// A frame waiting in a connection's outbound queue.
struct QueuedFrame: Sendable {
    let frame: OutboundFrame
    /// Past this instant the frame is dropped instead of sent (`messageTtlSeconds`).
    var deadline: ContinuousClock.Instant?
}
