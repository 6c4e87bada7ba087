import NIOCore
import Synchronization

/// The publications waiting for one event loop to deliver them to its connections. Publishers
/// post from any thread; the loop takes everything posted in one task, so a burst posted while it
/// was busy goes out together: queued for one drain (one `writev` per connection), while a
/// publication that is alone is written at once to each connection with nothing waiting, if it is
/// the first of the loop's turn (``PublishTurn``).
///
/// Bounded by back-pressure, not by refusal: past ``highWater`` publications waiting, a post gives
/// the publisher a future that completes once the loop has taken them, and the publisher waits for
/// it before taking more (a REST send answers its 202 then; a client's next message is read then).
/// So the mailbox holds at most ``highWater`` publications plus what each publisher sent before it
/// was told to wait (one request for a REST or SSE sender, the frames of the socket read under way
/// for a client), and no publisher can make the service hold more however fast it sends.
final class LoopMailbox: Sendable {
    /// One publication's share of recipients on this loop.
    struct Posted: Sendable {
        let frames: PublicationFrames
        let recipients: [ClientConnection]
        let publication: Publication
    }

    private struct State {
        var posted: [Posted] = []
        var scheduled = false
        /// Publishers waiting for the loop to take what waits.
        var waiting: EventLoopPromise<Void>?
    }

    /// Publications that may wait before publishers are made to wait.
    static let highWater = 256

    let loop: any EventLoop
    private let state = Mutex(State())

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Posts a publication's share; `delivery` delivers it on the loop.
    /// - Returns: nil, or, past ``highWater``, a future the publisher waits for before posting
    ///   more (it completes once the loop has taken what waits).
    func post(_ posted: Posted, delivery: Delivery) -> EventLoopFuture<Void>? {
        let (schedule, wait) = state.withLock { state -> (Bool, EventLoopFuture<Void>?) in
            state.posted.append(posted)
            var wait: EventLoopFuture<Void>?
            if state.posted.count > Self.highWater {
                let promise = state.waiting ?? loop.makePromise(of: Void.self)
                state.waiting = promise
                wait = promise.futureResult
            }
            guard !state.scheduled else { return (false, wait) }
            state.scheduled = true
            return (true, wait)
        }
        if schedule { loop.execute { self.run(delivery) } }
        return wait
    }

    /// Delivers everything posted, in order; on the loop.
    private func run(_ delivery: Delivery) {
        let (posted, waiting) = state.withLock { state -> ([Posted], EventLoopPromise<Void>?) in
            state.scheduled = false
            defer {
                state.posted = []
                state.waiting = nil
            }
            return (state.posted, state.waiting)
        }
        // One publication alone is written at once (if it is the turn's first); several are all
        // queued, so that each connection gets them in one `writev` rather than the first in a
        // `write` of its own and the rest in another.
        var batch = DrainBatch(writeAtOnce: posted.count == 1 && PublishTurn.claim())
        for entry in posted {
            delivery.deliver(entry.frames, to: entry.recipients, of: entry.publication, batch: &batch)
        }
        batch.schedule()
        waiting?.succeed()
    }

    /// How many publications wait (for tests).
    var waitingCount: Int { state.withLock { $0.posted.count } }
}
