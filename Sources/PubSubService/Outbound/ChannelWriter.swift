import DequeModule
import NIOCore
import NIOPosix
import NIOWebSocket
import Synchronization

/// A client connection's outbound path: a bounded queue that publishers fill from any thread and
/// that the channel's own event loop drains, a whole batch per turn with one flush.
///
/// No task waits on the queue: the first frame queued after a drain schedules one drain on the
/// event loop, and everything queued until it runs goes out in that batch. The first publish of a
/// turn of the channel's own event loop that finds nothing queued or scheduled and the channel
/// writable writes its frame at once instead (no queue entry, no drain task: a steady fan-out from
/// a publisher on the same loop); the publishes after it in the same turn (a burst read in one go)
/// queue, and the drain writes each connection's share of them with one `writev`
/// (``PublishTurn``). A drain writes only while
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
        /// The channel's writability as NIO last reported it (`writabilityChanged`); written and
        /// read on the event loop only. Kept here because reading NIO's own flag costs a cache miss
        /// on an object of its own for every delivery.
        var writable: Bool

        /// Appends the frame if it fits; whether a drain must be scheduled for it.
        mutating func append(_ frame: QueuedFrame, limit: Int, byteLimit: Int, overLimit: Bool) -> (EnqueueResult, schedule: Bool) {
            let size = frame.frame.byteCount
            guard overLimit || (frames.count < limit && (frames.isEmpty || size <= byteLimit &- bytes)) else { return (.full, false) }
            frames.append(frame)
            bytes &+= size
            guard !drainScheduled else { return (.enqueued, false) }
            drainScheduled = true
            return (.enqueued, true)
        }
    }

    private let state: Mutex<State>
    private let channel: any Channel
    /// The channel's event loop, kept (reading it through the channel boxes it every time).
    let eventLoop: any EventLoop
    /// Where frames that are already encoded are written: the WebSocket frame encoder's context, so
    /// a write goes on to whatever is below the encoder (TLS, or the pipeline's head and the
    /// socket) without passing the encoder: no header buffer, one buffer per frame, through the
    /// pipeline's public API. Nil without an encoder.
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
        self.eventLoop = channel.eventLoop
        state = Mutex(State(writable: channel.isWritable))
        self.encoder = encoder.map { NIOLoopBound($0, eventLoop: channel.eventLoop) }
        self.clock = clock
        self.limit = limit
        self.byteLimit = byteLimit
    }

    /// Queues a frame; `overLimit` lets a recovery replay past the limit (it is bounded by the
    /// reliable unacked limits instead). Never blocks and never waits for the client.
    func enqueue(_ frame: QueuedFrame, overLimit: Bool = false) -> EnqueueResult {
        let (result, schedule) = queue(frame, overLimit: overLimit)
        if schedule { eventLoop.execute { self.drain() } }
        return result
    }

    /// Queues a frame of a publish to many: the drain it needs is left to `batch`, which schedules
    /// one task per event loop for all the publish's recipients instead of one each. On the
    /// channel's event loop, with nothing waiting and the channel writable, the frame is written at
    /// once instead: nothing can be ahead of it (a frame queued meanwhile from another thread
    /// schedules a drain, which runs on this loop after this write).
    ///
    /// Call it holding no lock that a channel event may take (a write may close the channel), or
    /// with `writeAtOnce` false, which always queues.
    func enqueue(_ frame: QueuedFrame, batch: inout DrainBatch, writeAtOnce: Bool = true) -> EnqueueResult {
        let direct = writeAtOnce && batch.writeAtOnce && eventLoop.inEventLoop
        let (result, schedule, now) = state.withLock { state -> (EnqueueResult, schedule: Bool, now: Bool) in
            guard !state.finished else { return (.finished, false, false) }
            if direct, state.writable, !state.drainScheduled, state.frames.isEmpty { return (.enqueued, false, true) }
            let (result, schedule) = state.append(frame, limit: limit, byteLimit: byteLimit, overLimit: false)
            return (result, schedule, false)
        }
        if now {
            let encoder = self.encoder?.value
            write(frame.frame, below: encoder)
            flush(below: encoder)
        } else if schedule {
            batch.add(self)
        }
        return result
    }

    private func queue(_ frame: QueuedFrame, overLimit: Bool) -> (EnqueueResult, schedule: Bool) {
        state.withLock { state in
            guard !state.finished else { return (.finished, false) }
            return state.append(frame, limit: limit, byteLimit: byteLimit, overLimit: overLimit)
        }
    }

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
        let batch: Deque<QueuedFrame>? = state.withLock { state in
            guard state.writable else { return nil }
            state.drainScheduled = false
            // Handed over whole (emptying it in place would copy the storage the batch shares).
            let batch = state.finished ? [] : state.frames
            state.frames = []
            state.bytes = 0
            return batch
        }
        guard let batch else { return }
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
            write(queued.frame, below: encoder)
            wrote = true
        }
        if wrote { flush(below: encoder) }
    }

    /// Writes one frame, unflushed; on the event loop. In order either way: a write down the
    /// pipeline reaches the socket's queue at once.
    private func write(_ frame: OutboundFrame, below encoder: ChannelHandlerContext?) {
        if case .encoded(let wire, _) = frame, let encoder {
            encoder.write(NIOAny(wire), promise: nil)
        } else {
            channel.write(frame.webSocketFrame, promise: nil)
        }
    }

    private func flush(below encoder: ChannelHandlerContext?) {
        if let encoder { encoder.flush() } else { channel.flush() }
    }

    /// The channel became writable again: send what waited. On the event loop.
    func writabilityChanged() {
        let writable = channel.isWritable
        let waiting = state.withLock { state in
            state.writable = writable
            return state.drainScheduled
        }
        if writable, waiting { drain() }
    }
}
