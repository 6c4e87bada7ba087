import DequeModule
import Foundation
import NIOCore
import PubSubCore
import Synchronization

/// One hub's Server-Sent Events: numbers every message, keeps a bounded history per stream (the
/// server-wide one and each group's), and fans events out to the SSE clients of each stream.
///
/// Event ids are one counter per broker, starting at the time it was made in microseconds: they
/// grow with every event and stay above every id an earlier run of the process handed out, so a
/// `Last-Event-ID` from before a restart is recognised as older than the history, never confused
/// with a current one.
///
/// A new SSE client is registered and handed its replay under the same lock that publishing takes,
/// so between the replay and the live events nothing is missed and nothing is repeated.
final class SSEBroker: Sendable {
    struct Entry: Sendable {
        let id: UInt64
        let bytes: ByteBuffer
    }

    private struct History {
        var entries: Deque<Entry> = []
        /// The highest id dropped from this stream's history; 0 when nothing was dropped.
        var evictedThrough: UInt64 = 0
        /// This stream's oldest records in the broker's order whose entries its own count limit
        /// already dropped (records and entries are in the same order, so these come first).
        var staleRecords = 0
    }

    private struct Listener {
        let streams: Set<SSEStream>
        let queue: OutboundQueue<ByteBuffer>
    }

    /// A group the broker carries because a reader asked for it: its history is complete from
    /// `since` on; once its last reader has gone it lingers until `lingerUntil`, then is left.
    private struct Carried {
        var since: UInt64
        var readers = 0
        var lingerUntil: ContinuousClock.Instant?
    }

    private struct State {
        var nextId: UInt64
        var histories: [SSEStream: History] = [:]
        /// Every kept entry's stream and cost, oldest first, across streams: what goes first when
        /// the histories together hold more than `historyByteLimit`.
        var historyOrder: Deque<(stream: SSEStream, cost: Int)> = []
        var historyBytes = 0
        /// The highest id dropped from a history that was then removed as empty.
        var emptiedThrough: UInt64 = 0
        /// Since when no reader has listened (nil while one does).
        var idleSince: ContinuousClock.Instant? = .now
        /// Removed from its hub for idleness: a reader that still found it must ask the hub again.
        var retired = false
        var listeners: [UInt64: Listener] = [:]
        var listenersByStream: [SSEStream: Set<UInt64>] = [:]
        var nextListener: UInt64 = 1
        /// Points where the feed itself may have missed messages (the gateway's upstream could not
        /// recover): the last id before the gap, and why. The most recent few are kept.
        var gaps: [(after: UInt64, reason: String)] = []
        /// Groups carried on demand (``carry(_:limit:)``); the pinned ones are always carried.
        var carried: [String: Carried] = [:]
    }

    /// Whether ``carry(_:limit:)`` took the group on.
    enum Carrying: Equatable {
        /// It was carried already (pinned, or asked for by another reader).
        case already
        /// Carried from now on: the caller joins it upstream (the gateway), then subscribes.
        case started
        /// The broker carries `limit` groups already.
        case full
    }

    /// Groups carried from the start and never left (the gateway's `--group`).
    let pinned: Set<String>
    /// How long an on-demand group is kept after its last reader left.
    let groupLinger: Duration

    /// What a new SSE client gets: its queue (replay first, then live events), and where replay
    /// started when it asked to resume.
    struct Subscription: Sendable {
        let id: UInt64
        let queue: OutboundQueue<ByteBuffer>
        /// The id the replay starts from (the first event after the client's last one), when resuming.
        let replayFrom: UInt64?
        /// Whether a loss record was queued first.
        let lossReported: Bool
    }

    /// The first id this broker assigned.
    let firstId: UInt64
    let historyLimit: Int
    /// Bytes the histories of all streams may hold together (each entry costs its encoded size
    /// plus ``entryOverhead``): a hub published to in 100,000 groups keeps this much, not 100,000
    /// histories of `historyLimit` events.
    let historyByteLimit: Int
    /// The most entries (live or already dropped by their stream's own limit) the hub's order keeps.
    let historyRecordLimit: Int
    let queueLimit: Int
    /// Bytes that may wait for one reader before it is cut off (it resumes from the history).
    let queueByteLimit: Int
    let retryMilliseconds: Int
    private let state: Mutex<State>

    /// What one kept entry costs beyond its bytes (its records in the history and the order).
    static let entryOverhead = 64

    init(
        historyLimit: Int,
        historyByteLimit: Int = 64 << 20,
        historyRecordLimit: Int = 200_000,
        queueLimit: Int = 4096,
        queueByteLimit: Int = 16 << 20,
        retryMilliseconds: Int = 3000,
        pinned: Set<String> = [],
        groupLinger: Duration = .seconds(30),
        firstId: UInt64 = SSEBroker.clockId()
    ) {
        self.pinned = pinned
        self.groupLinger = groupLinger
        self.firstId = firstId
        self.historyLimit = historyLimit
        self.historyByteLimit = historyByteLimit
        self.historyRecordLimit = historyRecordLimit
        self.queueLimit = queueLimit
        self.queueByteLimit = queueByteLimit
        self.retryMilliseconds = retryMilliseconds
        self.state = Mutex(State(nextId: firstId))
    }

    /// Microseconds since 1970: the first id of a broker made now.
    static func clockId() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000))
    }

    /// How many SSE clients are listening.
    var listenerCount: Int { state.withLock { $0.listeners.count } }

    /// Numbers one message, keeps it in its stream's history and queues it for that stream's
    /// clients. A client whose queue is full is cut off (it resumes from the history when it
    /// reconnects with its `Last-Event-ID`).
    @discardableResult
    func publish(_ payload: Message, to stream: SSEStream) -> UInt64 {
        state.withLock { state in
            // A group nobody asked for is not carried: no history, no id.
            if case .group(let group) = stream, !pinned.contains(group), state.carried[group] == nil { return 0 }
            let id = state.nextId
            state.nextId += 1
            let bytes = SSEEncoding.event(id: id, stream: stream, payload: payload, retryMilliseconds: retryMilliseconds)
            var history = state.histories.removeValue(forKey: stream) ?? History()
            history.entries.append(Entry(id: id, bytes: bytes))
            let cost = bytes.readableBytes + Self.entryOverhead
            state.historyOrder.append((stream, cost))
            state.historyBytes += cost
            if history.entries.count > historyLimit, let dropped = history.entries.popFirst() {
                history.evictedThrough = dropped.id
                history.staleRecords += 1
                state.historyBytes -= dropped.bytes.readableBytes + Self.entryOverhead
            }
            state.histories[stream] = history
            Self.trimHistories(&state, byteLimit: historyByteLimit, recordLimit: historyRecordLimit)
            guard let listeners = state.listenersByStream[stream] else { return id }
            for listenerId in listeners {
                guard let listener = state.listeners[listenerId] else { continue }
                if listener.queue.enqueue(bytes) == .full {
                    listener.queue.finish()
                    remove(listenerId, from: &state)
                }
            }
            return id
        }
    }

    /// Records that messages may be missing after the last event (the feed lost them): every
    /// listener gets a loss record now, and a later resume from before this point reports it.
    func reportGap(_ reason: String) {
        state.withLock { state in
            let after = state.nextId - 1
            state.gaps.append((after, reason))
            if state.gaps.count > 16 { state.gaps.removeFirst() }
            let bytes = SSEEncoding.loss(lastEventId: String(after), replayFrom: state.nextId, reason: reason)
            for (listenerId, listener) in state.listeners where listener.queue.enqueue(bytes) == .full {
                listener.queue.finish()
                remove(listenerId, from: &state)
            }
        }
    }

    /// Carries `group` from now on, if it is not carried already and fewer than `limit` groups
    /// are; its history starts here (a resume from before gets a loss record).
    func carry(_ group: String, limit: Int) -> Carrying {
        state.withLock { state in
            if pinned.contains(group) { return .already }
            // Until its reader subscribes, the group lingers: one that never comes does not keep it.
            let lingerUntil = ContinuousClock.now + groupLinger
            if var carried = state.carried[group] {
                if carried.readers == 0 { carried.lingerUntil = lingerUntil }
                state.carried[group] = carried
                return .already
            }
            guard state.carried.count < limit else { return .full }
            state.carried[group] = Carried(since: state.nextId, lingerUntil: lingerUntil)
            return .started
        }
    }

    /// Stops carrying a group that ``carry(_:limit:)`` started but that could not be joined.
    func abandon(_ group: String) {
        state.withLock { state in
            if state.carried[group]?.readers == 0 { state.carried[group] = nil }
        }
    }

    /// The groups carried on demand (not the pinned ones).
    var carriedGroups: Set<String> { state.withLock { Set($0.carried.keys) } }

    /// Leaves the on-demand groups whose last reader left before `now` minus their linger.
    /// - Returns: the groups left (the gateway leaves them upstream).
    func leaveLingering(now: ContinuousClock.Instant) -> [String] {
        state.withLock { state in
            let left = state.carried.compactMap { group, carried -> String? in
                guard carried.readers == 0, let until = carried.lingerUntil, until <= now else { return nil }
                return group
            }
            for group in left { state.carried[group] = nil }
            return left
        }
    }

    /// Registers an SSE client for `streams`, resuming after `lastEventId` when given; nil when
    /// the broker was retired (ask the hub for its broker again).
    func subscribe(to streams: Set<SSEStream>, lastEventId: String?) -> Subscription? {
        let queue = OutboundQueue<ByteBuffer>(limit: queueLimit, byteLimit: queueByteLimit, measure: { $0.readableBytes })
        return state.withLock { state -> Subscription? in
            guard !state.retired else { return nil }
            let id = state.nextListener
            state.nextListener += 1
            var replayFrom: UInt64?
            var lossReported = false
            if let lastEventId {
                let plan = Self.replay(after: lastEventId, streams: streams, state: state, firstId: firstId)
                replayFrom = plan.entries.first?.id ?? state.nextId
                if let reason = plan.loss {
                    lossReported = true
                    _ = queue.enqueue(SSEEncoding.loss(lastEventId: lastEventId, replayFrom: replayFrom!, reason: reason), overLimit: true)
                }
                for entry in plan.entries { _ = queue.enqueue(entry.bytes, overLimit: true) }
            }
            state.listeners[id] = Listener(streams: streams, queue: queue)
            state.idleSince = nil
            for stream in streams {
                state.listenersByStream[stream, default: []].insert(id)
                if case .group(let group) = stream, state.carried[group] != nil {
                    state.carried[group]?.readers += 1
                    state.carried[group]?.lingerUntil = nil
                }
            }
            return Subscription(id: id, queue: queue, replayFrom: replayFrom, lossReported: lossReported)
        }
    }

    func unsubscribe(_ subscription: Subscription) {
        state.withLock { state in remove(subscription.id, from: &state) }
        subscription.queue.finish()
    }

    /// Ends every SSE stream (shutdown).
    func finishAll() {
        let queues = state.withLock { state -> [OutboundQueue<ByteBuffer>] in
            defer {
                state.listeners.removeAll()
                state.listenersByStream.removeAll()
            }
            return state.listeners.values.map(\.queue)
        }
        for queue in queues { queue.finish() }
    }

    /// Drops the oldest entries, whatever their stream, until the histories fit `byteLimit` and the
    /// order holds at most `recordLimit` records (stale ones included, so the order stays bounded
    /// when one busy stream's own limit drops its entries).
    private static func trimHistories(_ state: inout State, byteLimit: Int, recordLimit: Int) {
        while state.historyBytes > byteLimit || state.historyOrder.count > recordLimit,
            let oldest = state.historyOrder.popFirst()
        {
            guard var history = state.histories.removeValue(forKey: oldest.stream) else { continue }
            if history.staleRecords > 0 {
                // Its entry is gone already, and its cost was given back then.
                history.staleRecords -= 1
            } else if let dropped = history.entries.popFirst() {
                history.evictedThrough = dropped.id
                state.historyBytes -= oldest.cost
            }
            if !history.entries.isEmpty || history.staleRecords > 0 {
                state.histories[oldest.stream] = history
            } else {
                // Not kept empty: streams come and go (a group per order), and their marks would add
                // up. A resume from before this point, on a stream with no history, is told it may
                // have lost events.
                state.emptiedThrough = max(state.emptiedThrough, history.evictedThrough)
            }
        }
    }


    /// Retires the broker if no reader has listened for `duration` as of `now`: later subscribes
    /// get nil (under the same lock, so none is left listening to a broker nobody publishes to).
    func retireIfIdle(for duration: Duration, now: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            guard let since = state.idleSince, now - since >= duration else { return false }
            state.retired = true
            return true
        }
    }

    private func remove(_ id: UInt64, from state: inout State) {
        guard let listener = state.listeners.removeValue(forKey: id) else { return }
        if state.listeners.isEmpty { state.idleSince = .now }
        for stream in listener.streams {
            if case .group(let group) = stream, var carried = state.carried[group] {
                carried.readers = max(0, carried.readers - 1)
                if carried.readers == 0 { carried.lingerUntil = .now + groupLinger }
                state.carried[group] = carried
            }
            state.listenersByStream[stream]?.remove(id)
            if state.listenersByStream[stream]?.isEmpty == true { state.listenersByStream[stream] = nil }
        }
    }

    /// The events after `lastEventId` in `streams`, in id order, and why some may be missing.
    private static func replay(
        after lastEventId: String,
        streams: Set<SSEStream>,
        state: State,
        firstId: UInt64
    ) -> (entries: [Entry], loss: String?) {
        let all = { () -> [Entry] in
            streams.flatMap { state.histories[$0]?.entries ?? [] }.sorted { $0.id < $1.id }
        }
        guard let last = UInt64(lastEventId.trimmingCharacters(in: .whitespaces)) else {
            return (all(), "unknown event id: replaying the whole history")
        }
        if last >= state.nextId {
            return (all(), "unknown event id (not issued yet): replaying the whole history")
        }
        if last + 1 < firstId {
            return (all(), "the event id is older than the history (from before the service started): replaying the whole history")
        }
        var loss: String?
        if let gap = state.gaps.last(where: { $0.after >= last }) {
            loss = "messages after event \(gap.after) may be missing: \(gap.reason)"
        }
        var entries: [Entry] = []
        for stream in streams {
            if case .group(let group) = stream, let since = state.carried[group]?.since, since > last + 1 {
                loss = "group \(group) has been carried since event \(since) (when its first reader asked for it); earlier events were not kept"
            }
            guard let history = state.histories[stream] else {
                if state.emptiedThrough > last {
                    loss = "events after \(last) may have been dropped from the history of \(stream) (the hub's SSE histories are bounded in bytes)"
                }
                continue
            }
            if history.evictedThrough > last {
                loss = "events after \(last) were dropped from the history of \(stream) (it keeps the last \(history.entries.count))"
            }
            // Entries are in id order: take the tail after `last`.
            var index = history.entries.endIndex
            while index > history.entries.startIndex, history.entries[history.entries.index(before: index)].id > last {
                index = history.entries.index(before: index)
            }
            entries.append(contentsOf: history.entries[index...])
        }
        entries.sort { $0.id < $1.id }
        return (entries, loss)
    }
}

/// The local service's SSE brokers, one per hub, made when the hub's first SSE reader arrives: a
/// hub nobody reads over SSE keeps no history, and its publishes pay one atomic load.
final class SSEHubs: Sendable {
    private let brokers = Mutex<[String: SSEBroker]>([:])
    private let any = Atomic<Bool>(false)
    let historyLimit: Int
    let historyByteLimit: Int
    /// How long a hub's broker (and its history) outlives its last reader.
    let idleRetention: Duration
    /// How long a group outlives its last reader.
    let groupLinger: Duration

    init(historyLimit: Int, historyByteLimit: Int = 64 << 20, idleRetention: Duration = .seconds(300), groupLinger: Duration = .seconds(30)) {
        self.historyLimit = historyLimit
        self.historyByteLimit = historyByteLimit
        self.idleRetention = idleRetention
        self.groupLinger = groupLinger
    }

    /// The hub's broker, made on first use: only for a request that was authorised, so an
    /// anonymous caller cannot make the service keep history for hubs it names.
    func broker(hub: String) -> SSEBroker {
        let key = HubRegistry.key(hub)
        return brokers.withLock { brokers in
            if let broker = brokers[key] { return broker }
            let broker = SSEBroker(historyLimit: historyLimit, historyByteLimit: historyByteLimit, groupLinger: groupLinger)
            brokers[key] = broker
            any.store(true, ordering: .releasing)
            return broker
        }
    }

    /// Records a message for the hub's SSE readers, if the hub has a broker.
    func publish(_ payload: Message, hub: String, to stream: SSEStream) {
        guard any.load(ordering: .acquiring) else { return }
        let broker = brokers.withLock { $0[HubRegistry.key(hub)] }
        broker?.publish(payload, to: stream)
    }

    /// Removes the brokers nobody has read for ``idleRetention``, with their history (a reader that
    /// resumes later is told its events may be lost).
    /// - Returns: how many were removed.
    @discardableResult
    func removeIdle(now: ContinuousClock.Instant = .now) -> Int {
        let retention = idleRetention
        return brokers.withLock { brokers in
            let idle = brokers.filter { $0.value.retireIfIdle(for: retention, now: now) }.map(\.key)
            for key in idle { brokers[key] = nil }
            return idle.count
        }
    }

    /// Leaves, in every hub, the groups whose readers have been gone for the linger.
    func leaveLingeringGroups(now: ContinuousClock.Instant = .now) {
        for broker in brokers.withLock({ Array($0.values) }) { _ = broker.leaveLingering(now: now) }
    }

    /// How many hubs have a broker.
    var count: Int { brokers.withLock { $0.count } }

    func finishAll() {
        for broker in brokers.withLock({ Array($0.values) }) { broker.finishAll() }
    }
}
