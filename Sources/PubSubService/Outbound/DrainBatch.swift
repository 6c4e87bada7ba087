import DequeModule
import NIOCore
import NIOPosix
import NIOWebSocket
import Synchronization

/// The writers a publish queued a frame for that need a drain, by event loop: scheduled together
/// once the publish has queued its frame for everyone (a task per loop, not per recipient).
struct DrainBatch {
    private var loops: [(loop: any EventLoop, writers: [ChannelWriter])] = []
    /// Whether this publish may write at once to the connections of the loop it runs on.
    var writeAtOnce: Bool

    init(writeAtOnce: Bool) {
        self.writeAtOnce = writeAtOnce
    }

    mutating func add(_ writer: ChannelWriter) {
        let loop = writer.eventLoop
        // A handful of loops (one per core): a scan beats hashing.
        if let index = loops.firstIndex(where: { $0.loop === loop }) {
            loops[index].writers.append(writer)
        } else {
            loops.append((loop, [writer]))
        }
    }

    /// Drains every writer on its loop.
    func schedule() {
        for (loop, writers) in loops {
            loop.execute {
                for writer in writers { writer.drain() }
            }
        }
    }
}
