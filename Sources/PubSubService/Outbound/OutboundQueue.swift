import DequeModule
import Synchronization

/// A connection's (or an SSE stream's) bounded outbound queue: many publishers enqueue, the connection's one writer
/// takes *everything* pending at once, so it can write a burst as one batch with one flush.
///
/// `enqueue` never blocks and never waits on the writer: when the queue is full it refuses, and
/// the caller disconnects the client as too slow.
final class OutboundQueue<Element: Sendable>: Sendable {
    private struct State {
        var frames: Deque<Element> = []
        /// What `measure` says `frames` hold.
        var bytes = 0
        var waiter: CheckedContinuation<Deque<Element>?, Never>?
        var finished = false
    }

    enum EnqueueResult {
        case enqueued
        /// The queue already holds `limit` frames.
        case full
        /// The queue was finished (the transport is gone).
        case finished
    }

    private let state = Mutex(State())
    let limit: Int
    /// What the queued elements may hold together, as `measure` counts them; an empty queue always
    /// takes one element.
    let byteLimit: Int
    private let measure: @Sendable (Element) -> Int

    init(limit: Int, byteLimit: Int = .max, measure: @escaping @Sendable (Element) -> Int = { _ in 0 }) {
        self.limit = limit
        self.byteLimit = byteLimit
        self.measure = measure
    }

    /// Adds a frame; `overLimit` lets a recovery replay past the limit (it is bounded by the
    /// reliable unacked limits instead).
    func enqueue(_ frame: Element, overLimit: Bool = false) -> EnqueueResult {
        let (result, waiter): (EnqueueResult, CheckedContinuation<Deque<Element>?, Never>?) = state.withLock { state in
            guard !state.finished else { return (.finished, nil) }
            if let waiter = state.waiter {
                // The writer is waiting on an empty queue: hand the frame over directly.
                state.waiter = nil
                return (.enqueued, waiter)
            }
            let size = measure(frame)
            guard overLimit || (state.frames.count < limit && (state.frames.isEmpty || size <= byteLimit &- state.bytes)) else { return (.full, nil) }
            state.frames.append(frame)
            state.bytes &+= size
            return (.enqueued, nil)
        }
        waiter?.resume(returning: [frame])
        return result
    }

    /// Everything queued, waiting while the queue is empty; nil once finished and drained, or when
    /// the waiting task is cancelled.
    func takeAll() async -> Deque<Element>? {
        let ready: Deque<Element>?? = state.withLock { state in
            if !state.frames.isEmpty {
                defer {
                    state.frames.removeAll(keepingCapacity: true)
                    state.bytes = 0
                }
                return .some(state.frames)
            }
            return state.finished ? .some(nil) : nil
        }
        if let ready { return ready }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: Deque<Element>?? = state.withLock { state in
                    if !state.frames.isEmpty {
                        defer {
                            state.frames.removeAll(keepingCapacity: true)
                            state.bytes = 0
                        }
                        return .some(state.frames)
                    }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Deque<Element>?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Ends the queue: later enqueues are refused; the writer drains what is left, then gets nil.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Deque<Element>?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
