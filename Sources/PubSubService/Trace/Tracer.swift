import DequeModule
import Foundation
import PubSubCore
import Synchronization

/// The service's live trace: records events while someone traces, hands each trace client the ones
/// its filter selects, and keeps a bounded history so a client that reconnects resumes without a
/// gap.
///
/// With nobody tracing (and the history's retention past), ``record(_:)`` is one relaxed atomic
/// load: the record is never built. A client that cannot keep up never slows the service: its queue
/// is bounded, and what did not fit is reported to it as one `missed` record.
final class Tracer: Sendable {
    /// What one trace client wants. Within a dimension any value matches; across dimensions all
    /// must (`hub=chat&group=a&group=b`: hub chat, group a or b).
    struct Filter: Sendable {
        /// Lower-cased hub keys.
        var hubs: Set<String> = []
        var groups: Set<String> = []
        var users: Set<String> = []
        var connections: Set<String> = []
        var kinds: Set<TraceKind> = TraceKind.defaultKinds
        /// Payloads cut at this many bytes; nil: no payloads.
        var payloadLimit: Int?

        var wantsDeliveries: Bool { kinds.contains(.deliver) }

        func matches(_ record: TraceRecord) -> Bool {
            if record.kind == .missed { return true }
            guard kinds.contains(record.kind) else { return false }
            if !hubs.isEmpty { guard let hub = record.hub, hubs.contains(hub) else { return false } }
            if !groups.isEmpty {
                let inGroup = record.group.map(groups.contains) ?? false
                guard inGroup || record.groups.contains(where: groups.contains) else { return false }
            }
            if !users.isEmpty { guard let user = record.userId, users.contains(user) else { return false } }
            if !connections.isEmpty { guard let id = record.connectionId, connections.contains(id) else { return false } }
            return true
        }
    }

    /// What a trace client's writer is handed.
    enum Item: Sendable {
        case record(TraceRecord)
        /// Nothing happened for a while: write a comment so proxies and clients see the stream alive.
        case heartbeat
    }

    /// One trace client's stream: its bounded queue, drained by its writer.
    final class Subscription: Sendable {
        let id: UInt64
        let filter: Filter
        let queue: OutboundQueue<Item>

        init(id: UInt64, filter: Filter, limit: Int) {
            self.id = id
            self.filter = filter
            queue = OutboundQueue(limit: limit)
        }
    }

    private struct Listener {
        let subscription: Subscription
        /// Records that did not fit in the queue since the last `missed` marker.
        var missed: UInt64 = 0
        var firstMissed: UInt64 = 0
        var lastMissed: UInt64 = 0
    }

    private struct State {
        var nextId: UInt64
        /// The first id recorded since recording (re)started; earlier ids were never recorded here.
        var epochStart: UInt64
        var recording = false
        var listeners: [Listener] = []
        var history: Deque<TraceRecord> = []
        /// When the last trace client left; recording stops `retention` later.
        var idleSince: ContinuousClock.Instant?
        var nextSubscription: UInt64 = 1
    }

    private let active = Atomic<Bool>(false)
    private let deliveries = Atomic<Bool>(false)
    private let state: Mutex<State>
    let bufferLimit: Int
    let historyLimit: Int
    let retention: Duration

    /// - Parameters:
    ///   - bufferLimit: records that may wait for one trace client before it misses some.
    ///   - historyLimit: records kept for resuming clients.
    ///   - retention: how long recording goes on after the last client left, so it can resume.
    init(bufferLimit: Int = 10_000, historyLimit: Int = 10_000, retention: Duration = .seconds(60)) {
        self.bufferLimit = bufferLimit
        self.historyLimit = historyLimit
        self.retention = retention
        // Ids start at the wall clock in microseconds, so they keep increasing across restarts and
        // an id from an earlier run is recognised as such.
        let start = UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000))
        state = Mutex(State(nextId: start, epochStart: start + 1))
    }

    /// Whether events are being recorded.
    var isActive: Bool { active.load(ordering: .relaxed) }

    /// Whether some trace client asked for per-delivery records.
    var wantsDeliveries: Bool { deliveries.load(ordering: .relaxed) }

    /// Records the event `build` makes, if anyone traces; `build` is not called otherwise.
    @inline(__always)
    func record(_ build: () -> TraceRecord) {
        guard active.load(ordering: .relaxed) else { return }
        append(build())
    }

    /// Records the event `build` makes, if anyone traces and `build` makes one.
    @inline(__always)
    func recordIfAny(_ build: () -> TraceRecord?) {
        guard active.load(ordering: .relaxed), let record = build() else { return }
        append(record)
    }

    private func append(_ record: TraceRecord) {
        var record = record
        state.withLock { state in
            guard state.recording else { return }
            if state.listeners.isEmpty, let idleSince = state.idleSince, ContinuousClock.now - idleSince > retention {
                state.recording = false
                state.history.removeAll()
                active.store(false, ordering: .relaxed)
                return
            }
            state.nextId += 1
            record.id = state.nextId
            if historyLimit > 0 {
                if state.history.count >= historyLimit { state.history.removeFirst() }
                state.history.append(record)
            }
            for index in state.listeners.indices {
                Self.offer(record, to: &state.listeners[index])
            }
        }
    }

    private static func offer(_ record: TraceRecord, to listener: inout Listener) {
        let subscription = listener.subscription
        guard subscription.filter.matches(record) else { return }
        if listener.missed > 0 {
            let marker = Self.marker(for: listener)
            guard case .enqueued = subscription.queue.enqueue(.record(marker)) else {
                listener.missed += 1
                listener.lastMissed = record.id
                return
            }
            listener.missed = 0
        }
        if case .full = subscription.queue.enqueue(.record(record)) {
            listener.missed = 1
            listener.firstMissed = record.id
            listener.lastMissed = record.id
        }
    }

    private static func marker(for listener: Listener) -> TraceRecord {
        .missed(
            count: listener.missed,
            first: listener.firstMissed,
            last: listener.lastMissed,
            reason: "this trace client fell behind: its buffer of \(listener.subscription.queue.limit) events was full"
        )
    }

    /// The `missed` marker for what did not fit since the last one, if anything; the writer asks
    /// after each batch, so a client that stalls learns of its gap as soon as it reads again.
    func takeMissed(_ subscription: Subscription) -> TraceRecord? {
        state.withLock { state in
            guard let index = state.listeners.firstIndex(where: { $0.subscription === subscription }),
                state.listeners[index].missed > 0
            else { return nil }
            defer { state.listeners[index].missed = 0 }
            return Self.marker(for: state.listeners[index])
        }
    }

    /// Adds a trace client. With `lastEventId` it first gets the recorded events after that id its
    /// filter selects, or a `missed` record saying what the history no longer holds.
    func subscribe(_ filter: Filter, lastEventId: UInt64? = nil) -> Subscription {
        state.withLock { state in
            if !state.recording {
                state.recording = true
                state.epochStart = state.nextId + 1
                active.store(true, ordering: .relaxed)
            }
            state.idleSince = nil
            let subscription = Subscription(id: state.nextSubscription, filter: filter, limit: bufferLimit)
            state.nextSubscription += 1
            if let lastEventId {
                Self.replay(after: lastEventId, state: state, to: subscription)
            }
            state.listeners.append(Listener(subscription: subscription))
            if filter.wantsDeliveries { deliveries.store(true, ordering: .relaxed) }
            return subscription
        }
    }

    private static func replay(after lastEventId: UInt64, state: State, to subscription: Subscription) {
        let firstHeld = state.history.first?.id ?? state.nextId + 1
        var gap: TraceRecord?
        if lastEventId > state.nextId {
            gap = .missed(count: nil, first: nil, last: nil, reason: "event \(lastEventId) is from an earlier run of the service: it restarted")
        } else if lastEventId + 1 < state.epochStart {
            gap = .missed(
                count: nil,
                first: nil,
                last: nil,
                reason: "the service stopped recording after event \(lastEventId) (nobody was tracing for a while)"
            )
        } else if lastEventId + 1 < firstHeld {
            // How many of them this client's filter would have selected is unknown: no count.
            gap = .missed(
                count: nil,
                first: lastEventId + 1,
                last: firstHeld - 1,
                reason: "the service's trace history (the last \(state.history.count) events) no longer holds events "
                    + "\(lastEventId + 1)–\(firstHeld - 1); up to \(firstHeld - lastEventId - 1) of them may be missing here"
            )
        }
        if let gap { _ = subscription.queue.enqueue(.record(gap), overLimit: true) }
        for record in state.history where record.id > lastEventId && subscription.filter.matches(record) {
            _ = subscription.queue.enqueue(.record(record), overLimit: true)
        }
    }

    /// Removes a trace client; recording stops `retention` after the last one left.
    func unsubscribe(_ subscription: Subscription) {
        state.withLock { state in
            state.listeners.removeAll { $0.subscription === subscription }
            if state.listeners.isEmpty { state.idleSince = .now }
            deliveries.store(state.listeners.contains { $0.subscription.filter.wantsDeliveries }, ordering: .relaxed)
        }
        subscription.queue.finish()
    }

    /// Ends every trace stream (graceful shutdown).
    func finishAll() {
        let subscriptions = state.withLock { $0.listeners.map(\.subscription) }
        for subscription in subscriptions { subscription.queue.finish() }
    }
}
