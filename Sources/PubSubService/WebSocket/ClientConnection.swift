import DequeModule
import Foundation
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import PubSubCore
import Synchronization

/// One logical client connection. A reliable connection outlives its transports: it keeps its
/// sequence ids and unacknowledged messages while the client recovers (§6).
///
/// Every mutable field sits behind one `Mutex`; a delivery takes it once, so a publish touches no
/// actor and allocates nothing per recipient: it queues references to the shared frame (a reliable
/// connection's writer adds the few bytes of its `sequenceId` prefix when it writes).
final class ClientConnection: Recipient {
    let id: String
    /// Lower-cased hub key.
    let hub: String
    let userId: String?
    /// Its wire format and whether its session is reliable.
    let wireProtocol: ClientSubprotocol
    /// The mailbox of the event loop of the socket it opened on, where deliveries to it are made (a
    /// reliable session recovered on another loop's socket is still delivered there, and queues).
    let mailbox: LoopMailbox
    let reconnectionToken: String?
    /// Roles from the token.
    let roles: [Role]
    /// For simple clients in `webpubsub_mode=sendToGroup`: the one group their frames go to.
    let simpleSendGroup: String?
    /// A subprotocol the `connect` event handler chose that is not one of ours (`ce-subprotocol`).
    let customSubprotocol: String?
    let connectedAt = ContinuousClock.now
    private let limits: Limits
    private let state: Mutex<State>

    /// The few settings a connection consults, copied from the service's configuration (which,
    /// stored whole, made every connection a few hundred bytes bigger).
    struct Limits: Sendable {
        let outboundQueueLimit: Int
        let outboundQueueByteLimit: Int
        let reliableUnackedMessageLimit: Int
        let reliableUnackedByteLimit: Int
        let ackIdWindow: Int
        let sessionRetention: Duration
        let clock: ServiceClock

        init(_ configuration: ServiceConfiguration) {
            outboundQueueLimit = configuration.outboundQueueLimit
            outboundQueueByteLimit = configuration.outboundQueueByteLimit
            reliableUnackedMessageLimit = configuration.reliableUnackedMessageLimit
            reliableUnackedByteLimit = configuration.reliableUnackedByteLimit
            ackIdWindow = configuration.ackIdWindow
            sessionRetention = configuration.sessionRetention
            clock = configuration.clock
        }
    }

    private struct PermissionKey: Hashable {
        let permission: GroupPermission
        let group: String?
    }

    private struct State {
        var transport: Transport?
        var ended = false
        var detachedAt: ContinuousClock.Instant?
        /// REST grants and revocations, which win over the token's roles.
        var overrides: [PermissionKey: Bool] = [:]
        /// The most recent ackIds (at most ``ServiceConfiguration/ackIdWindow``), and their order
        /// so that the oldest can be forgotten.
        var seenAckIds: Set<UInt64> = []
        var ackIdOrder: Deque<UInt64> = []
        /// Whether the session's end was traced.
        var endRecorded = false
        var nextSequenceId: UInt64 = 1
        var unacked: Deque<(sequenceId: UInt64, tail: ByteBuffer, deadline: ContinuousClock.Instant?)> = []
        var unackedBytes = 0
        /// `ce-connectionState` as the event handler last set it (§8.8).
        var connectionState: String?
        /// The `connected` event's call, which the `disconnected` event waits for.
        var connectedEvent: EventLoopFuture<Void>?
    }

    init(
        id: String,
        hub: String,
        userId: String?,
        wireProtocol: ClientSubprotocol,
        mailbox: LoopMailbox,
        roles: [Role],
        simpleSendGroup: String?,
        customSubprotocol: String? = nil,
        connectionState: String? = nil,
        limits: ServiceConfiguration
    ) {
        self.id = id
        self.hub = hub
        self.userId = userId
        self.wireProtocol = wireProtocol
        self.mailbox = mailbox
        self.roles = roles
        self.simpleSendGroup = simpleSendGroup
        self.limits = Limits(limits)
        self.customSubprotocol = customSubprotocol
        reconnectionToken = wireProtocol.isReliable ? Identifiers.secret() : nil
        var initial = State()
        initial.connectionState = connectionState
        state = Mutex(initial)
    }

    /// The subprotocol the client speaks, as event handlers are told (`ce-subprotocol`).
    var subprotocol: String? { customSubprotocol ?? wireProtocol.subprotocol }

    var wireFormat: WireFormat { wireProtocol.format }

    /// `ce-connectionState`: what the event handler last set (nil: none).
    var connectionState: String? {
        get { state.withLock { $0.connectionState } }
        set { state.withLock { $0.connectionState = newValue } }
    }

    /// The `connected` event's call, once it was made.
    var connectedEvent: EventLoopFuture<Void>? {
        get { state.withLock { $0.connectedEvent } }
        set { state.withLock { $0.connectedEvent = newValue } }
    }

    // MARK: Transport

    /// Attaches a transport and sends the `connected` frame, then (on recovery) every unacknowledged
    /// message in order, all under the lock so that nothing published meanwhile overtakes them.
    /// - Returns: the transport it replaced, which the caller closes; or `.ended` when the session
    ///   ended meanwhile (it expired or was closed while the recovery request was on its way).
    func attach(_ transport: Transport) -> AttachResult {
        state.withLock { state in
            guard !state.ended else { return .ended }
            let previous = state.transport
            state.transport = transport
            state.detachedAt = nil
            if wireProtocol.format == .json {
                _ = transport.frames.enqueue(
                    QueuedFrame(frame: .message(.connected(connectionId: id, userId: userId, reconnectionToken: reconnectionToken)))
                )
            }
            // A replay is bounded by the unacked limits, not by the queue's.
            for entry in state.unacked {
                _ = transport.frames.enqueue(
                    QueuedFrame(frame: .sequenced(sequenceId: entry.sequenceId, tail: entry.tail), deadline: entry.deadline),
                    overLimit: true
                )
            }
            return .attached(replaced: previous)
        }
    }

    enum AttachResult {
        case attached(replaced: Transport?)
        case ended
    }

    /// Detaches the transport `transportID` after its socket closed. Reliable sessions stay to be
    /// recovered; others end.
    func transportClosed(_ transportID: UInt64) -> TransportEnd {
        state.withLock { state in
            guard let current = state.transport, current.id == transportID else { return .replaced }
            state.transport = nil
            current.frames.finish()
            if wireProtocol.isReliable, !state.ended {
                state.detachedAt = limits.clock.now()
                return .detached
            }
            state.ended = true
            return .ended
        }
    }

    enum TransportEnd {
        /// The connection is over and must leave the registry.
        case ended
        /// A reliable session waits for its client to recover.
        case detached
        /// The transport had already been replaced by a recovered one.
        case replaced
    }

    /// Where a detached reliable session stands.
    enum Retention {
        /// Its client recovered, or it ended another way: no longer waiting.
        case settled
        case waiting
        /// It waited longer than the retention.
        case expired
    }

    func retention(now: ContinuousClock.Instant) -> Retention {
        state.withLock { state in
            guard let detachedAt = state.detachedAt, !state.ended else { return .settled }
            return now - detachedAt > limits.sessionRetention ? .expired : .waiting
        }
    }

    /// Ends the connection: asks its socket, if any, to close with `request`.
    /// - Returns: whether a socket was attached (it then reports the end itself).
    @discardableResult
    func end(_ request: CloseRequest) -> Bool {
        state.withLock { state in
            state.ended = true
            state.detachedAt = nil
            state.transport?.close(request)
            return state.transport != nil
        }
    }

    /// True the first time only: the session's end is traced once, by whoever sees it first.
    func claimEndRecord() -> Bool {
        state.withLock { state in
            defer { state.endRecorded = true }
            return !state.endRecorded
        }
    }

    // MARK: Delivery

    /// Queues a published message in its wire format (a reliable session numbers it and keeps it
    /// until acknowledged); the drain it needs joins `batch`.
    func deliver(_ frames: PublicationFrames, batch: inout DrainBatch) -> DeliveryFailure? {
        switch wireProtocol.format {
        case .simple:
            guard let frame = frames.simple else { return nil }
            return enqueue(QueuedFrame(frame: frame, deadline: frames.deadline), batch: &batch)
        case .json:
            if wireProtocol.isReliable {
                guard let tail = frames.jsonTail else { return nil }
                return deliverReliably(tail, deadline: frames.deadline, batch: &batch)
            }
            guard let wire = frames.jsonWire else { return nil }
            return enqueue(QueuedFrame(frame: wire, deadline: frames.deadline), batch: &batch)
        }
    }

    /// Queues a frame that is not a data message (acks, pongs, replies).
    @discardableResult
    func send(_ frame: OutboundFrame) -> DeliveryFailure? {
        enqueue(QueuedFrame(frame: frame))
    }

    private func enqueue(_ frame: QueuedFrame) -> DeliveryFailure? {
        let result: ChannelWriter.EnqueueResult? = state.withLock { state in
            guard !state.ended else { return nil }
            return state.transport?.frames.enqueue(frame)
        }
        return failure(result)
    }

    private func enqueue(_ frame: QueuedFrame, batch: inout DrainBatch) -> DeliveryFailure? {
        // Outside the lock: the writer may write at once, and a write may close the channel, whose
        // events take this lock. (Only a reliable session's transport changes, and its deliveries
        // take the other path; a writer that was finished meanwhile refuses the frame.)
        let writer = state.withLock { state in state.ended ? nil : state.transport?.frames }
        return failure(writer?.enqueue(frame, batch: &batch))
    }

    private func failure(_ result: ChannelWriter.EnqueueResult?) -> DeliveryFailure? {
        if case .full? = result {
            return .slowClient("SlowClient: more than \(limits.outboundQueueLimit) messages or \(limits.outboundQueueByteLimit) bytes waiting to be sent")
        }
        return nil
    }

    private func deliverReliably(_ tail: ByteBuffer, deadline: ContinuousClock.Instant?, batch: inout DrainBatch) -> DeliveryFailure? {
        state.withLock { state -> DeliveryFailure? in
            guard !state.ended else { return nil }
            let sequenceId = state.nextSequenceId
            state.nextSequenceId += 1
            state.unacked.append((sequenceId, tail, deadline))
            state.unackedBytes += tail.readableBytes
            if state.unacked.count > limits.reliableUnackedMessageLimit || state.unackedBytes > limits.reliableUnackedByteLimit {
                return .slowClient(
                    "SlowClient: more than \(limits.reliableUnackedMessageLimit) messages or \(limits.reliableUnackedByteLimit) bytes unacknowledged"
                )
            }
            let frame = QueuedFrame(frame: .sequenced(sequenceId: sequenceId, tail: tail), deadline: deadline)
            // Queued, never written at once: this holds the lock (which keeps sequence ids in
            // queue order across publishers), and a write may close the channel, whose events take it.
            if case .full? = state.transport?.frames.enqueue(frame, batch: &batch, writeAtOnce: false) {
                return .slowClient("SlowClient: more than \(limits.outboundQueueLimit) messages or \(limits.outboundQueueByteLimit) bytes waiting to be sent")
            }
            return nil
        }
    }

    /// Drops acknowledged messages: `sequenceAck` is cumulative (§6.1).
    func acknowledge(upTo sequenceId: UInt64) {
        state.withLock { state in
            while let first = state.unacked.first, first.sequenceId <= sequenceId {
                state.unackedBytes -= first.tail.readableBytes
                state.unacked.removeFirst()
            }
        }
    }

    /// Records an ackId; false when it is one of the last ``ServiceConfiguration/ackIdWindow``
    /// seen (the request gets a `Duplicate` ack). Older ones are forgotten, so a client that sends a
    /// million distinct ackIds holds the window, not a million.
    func recordAckId(_ ackId: UInt64) -> Bool {
        let window = limits.ackIdWindow
        return state.withLock { state in
            guard state.seenAckIds.insert(ackId).inserted else { return false }
            state.ackIdOrder.append(ackId)
            while state.ackIdOrder.count > window, let oldest = state.ackIdOrder.popFirst() {
                state.seenAckIds.remove(oldest)
            }
            return true
        }
    }

    /// Forgets an ackId whose request failed in a way a retry may mend (`InternalServerError`): the
    /// retry, with the same ackId, is run again rather than answered `Duplicate`.
    func forgetAckId(_ ackId: UInt64) {
        state.withLock { state in
            guard state.seenAckIds.remove(ackId) != nil else { return }
            if let index = state.ackIdOrder.lastIndex(of: ackId) { state.ackIdOrder.remove(at: index) }
        }
    }

    // MARK: Permissions

    /// Whether the connection may join/leave or publish to `group`: a REST grant or revocation for
    /// the group wins, then one for all groups, then the token's roles (§3.4).
    func isAllowed(_ permission: GroupPermission, on group: String) -> Bool {
        let override = state.withLock { state in
            state.overrides[PermissionKey(permission: permission, group: group)]
                ?? state.overrides[PermissionKey(permission: permission, group: nil)]
        }
        if let override { return override }
        return roles.contains { $0.grants(permission, on: group) }
    }

    /// Grants (or revokes) a permission on one group, or on all when `group` is nil.
    func setPermission(_ permission: GroupPermission, group: String?, allowed: Bool) {
        state.withLock { state in
            if group == nil {
                state.overrides = state.overrides.filter { $0.key.permission != permission }
            }
            state.overrides[PermissionKey(permission: permission, group: group)] = allowed
        }
    }
}
