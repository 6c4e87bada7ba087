import DequeModule
import NIOCore
import NIOWebSocket
import Synchronization

/// A client connection's outbound path: a bounded queue that publishers fill from any thread and
/// that the channel's own event loop drains, a whole batch per turn with one flush.
///
/// No task waits on the queue: the first frame queued after a drain schedules one drain on the
/// event loop, and everything queued until it runs goes out in that batch. A drain writes only while
/// the channel is writable; otherwise frames stay queued (so a client that stops reading fills its
/// queue, and the next publish finds it full and disconnects it as too slow) until NIO reports the
/// channel writable again.
final class ChannelWriter: Sendable {
    typealias EnqueueResult = OutboundQueue<QueuedFrame>.EnqueueResult

    private struct State {
        var frames: Deque<QueuedFrame> = []
        /// The payload bytes of `frames`.
        var bytes = 0
        /// A drain is scheduled on the event loop and has not taken the frames yet.
        var drainScheduled = false
        var finished = false
    }

    private let state = Mutex(State())
    private let channel: any Channel
    /// The WebSocket frame encoder's context, where frames that are already encoded are written
    /// (straight to the socket: no trip down the pipeline, no header buffer, one buffer per frame).
    private let encoder: NIOLoopBound<ChannelHandlerContext>?
    /// Frames that may wait.
    let limit: Int
    /// Payload bytes that may wait: a client that stops reading while 1 MB messages are sent to it
    /// is cut off at this, not at `limit` megabytes. An empty queue always takes one frame, however
    /// large (so a limit below the message size slows nobody who reads).
    let byteLimit: Int

    /// For the frames' deadlines.
    let clock: ServiceClock

    init(channel: any Channel, encoder: ChannelHandlerContext? = nil, limit: Int, byteLimit: Int = .max, clock: ServiceClock = .system) {
        self.channel = channel
        self.encoder = encoder.map { NIOLoopBound($0, eventLoop: channel.eventLoop) }
        self.clock = clock
        self.limit = limit
        self.byteLimit = byteLimit
    }

    /// Queues a frame; `overLimit` lets a recovery replay past the limit (it is bounded by the
    /// reliable unacked limits instead). Never blocks and never waits for the client.
    func enqueue(_ frame: QueuedFrame, overLimit: Bool = false) -> EnqueueResult {
        let (result, schedule) = queue(frame, overLimit: overLimit)
        if schedule { channel.eventLoop.execute { self.drain() } }
        return result
    }

    /// Queues a frame of a publish to many: the drain it needs is left to `batch`, which schedules
    /// one task per event loop for all the publish's recipients instead of one each.
    func enqueue(_ frame: QueuedFrame, batch: inout DrainBatch) -> EnqueueResult {
        let (result, schedule) = queue(frame, overLimit: false)
        if schedule { batch.add(self) }
        return result
    }

    /// Appends the frame if it fits; whether a drain must be scheduled for it.
    private func queue(_ frame: QueuedFrame, overLimit: Bool) -> (EnqueueResult, schedule: Bool) {
        state.withLock { state in
            guard !state.finished else { return (.finished, false) }
            let size = frame.frame.byteCount
            guard overLimit || (state.frames.count < limit && (state.frames.isEmpty || size <= byteLimit &- state.bytes)) else { return (.full, false) }
            state.frames.append(frame)
            state.bytes &+= size
            guard !state.drainScheduled else { return (.enqueued, false) }
            state.drainScheduled = true
            return (.enqueued, true)
        }
    }

    var eventLoop: any EventLoop { channel.eventLoop }

    /// Ends the queue: what is still queued is dropped (the connection is closing).
    func finish() {
        state.withLock { state in
            state.finished = true
            state.frames.removeAll()
            state.bytes = 0
        }
    }

    /// Writes everything queued, if the channel can take it; on the event loop.
    func drain() {
        // Not writable: `drainScheduled` stays set, so publishers schedule nothing more, and
        // `writabilityChanged` drains once NIO can take bytes again.
        guard channel.isWritable else { return }
        let batch: Deque<QueuedFrame> = state.withLock { state in
            state.drainScheduled = false
            // Handed over whole (emptying it in place would copy the storage the batch shares).
            let batch = state.finished ? [] : state.frames
            state.frames = []
            state.bytes = 0
            return batch
        }
        var wrote = false
        // Read once, and only when a frame has a deadline (most have none).
        var now: ContinuousClock.Instant?
        let encoder = self.encoder?.value
        for queued in batch {
            if let deadline = queued.deadline {
                let instant = now ?? clock.now()
                now = instant
                if deadline < instant { continue }
            }
            // In order either way: a write down the pipeline reaches the socket's queue at once.
            if case .encoded(let wire, _) = queued.frame, let encoder {
                encoder.write(NIOAny(wire), promise: nil)
            } else {
                channel.write(queued.frame.webSocketFrame, promise: nil)
            }
            wrote = true
        }
        if wrote {
            if let encoder { encoder.flush() } else { channel.flush() }
        }
    }

    /// The channel became writable again: send what waited. On the event loop.
    func writabilityChanged() {
        guard channel.isWritable, state.withLock({ $0.drainScheduled }) else { return }
        drain()
    }
}

/// The writers a publish queued a frame for that need a drain, by event loop: scheduled together
/// once the publish has queued its frame for everyone (a task per loop, not per recipient).
struct DrainBatch {
    private var loops: [(loop: any EventLoop, writers: [ChannelWriter])] = []

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
