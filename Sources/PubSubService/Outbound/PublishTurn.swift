import DequeModule
import NIOCore
import NIOPosix
import NIOWebSocket
import Synchronization

/// Which publish of a turn of an event loop writes at once: the first. A turn is the loop's handling
/// of one batch of socket events and the tasks after it; the publishes after the first in the same
/// turn (many messages read from a publisher in one go) are queued instead, so that each connection
/// gets all of them in one `writev` when the turn's drain runs, not one `write` each.
enum PublishTurn {
    private final class Flag: Sendable {
        let taken = Atomic<Bool>(false)
    }

    private static let flags = ThreadSpecificVariable<Flag>()

    /// True for the first caller in the current turn of the calling thread's event loop (and
    /// false for the rest of the turn); false off an event loop.
    static func claim() -> Bool {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else { return false }
        let flag: Flag
        if let existing = flags.currentValue {
            flag = existing
        } else {
            flag = Flag()
            flags.currentValue = flag
        }
        if flag.taken.exchange(true, ordering: .relaxed) { return false }
        // Runs after this turn's socket events and the tasks they scheduled before it.
        loop.execute { flag.taken.store(false, ordering: .relaxed) }
        return true
    }
}
