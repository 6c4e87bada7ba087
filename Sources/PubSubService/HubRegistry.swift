import Logging
import NIOWebSocket
import PubSubCore
import HummingbirdWebSocket
import Synchronization

/// All hubs, their connections, groups and users: the one place hub state lives.
///
/// One `Mutex` guards the maps. A publish takes it once to copy the recipient list, then delivers
/// outside it, each delivery taking only that connection's own lock; so publishers never wait on a
/// slow client, and membership changes never wait on delivery.
final class HubRegistry: Sendable {
    struct Hub {
        var connections: [String: ClientConnection] = [:]
        var groups: [String: GroupMembers] = [:]
        var connectionGroups: [String: Set<String>] = [:]
        var users: [String: [String: ClientConnection]] = [:]
    }

    /// The limits it enforces (groups per connection, connections) and the clock of its sessions.
    private let configuration: ServiceConfiguration
    private let logger: Logger
    /// Records slow clients and ended sessions.
    private let tracer: Tracer
    /// Told when a session ends.
    private let events: EventUpstream?
    /// Who else sees every publication, after its connections: the SSE brokers, the trace.
    private let subscribers: [any PublicationSubscriber]
    private let hubs = Mutex<[String: Hub]>([:])
    /// Reliable sessions waiting for their client to recover.
    private let detachedSessions = Mutex<[ObjectIdentifier: ClientConnection]>([:])
    /// Open client sockets, across hubs (a closed connection's socket may still be finishing).
    private let openSockets = Mutex(0)

    init(context: ServiceContext) {
        configuration = context.configuration
        logger = context.logger
        tracer = context.tracer
        events = context.events
        subscribers = [context.sse, context.tracer]
    }

    /// Hub names are case-insensitive (§1).
    static func key(_ hub: String) -> String { hub.lowercased() }

    // MARK: Connections

    /// Adds a new connection and joins its initial groups (the token's).
    func register(_ connection: ClientConnection, groups initialGroups: [String]) {
        let limit = configuration.maxGroupsPerConnection
        hubs.withLock { hubs in
            // Mutated in place (never copied out and back): a copy would duplicate every map of the
            // hub on each change, making each connect, join and leave cost O(connections).
            Self.modify(&hubs[connection.hub, default: Hub()]) { hub in
                hub.connections[connection.id] = connection
                if let user = connection.userId {
                    hub.users[user, default: [:]][connection.id] = connection
                }
                for group in initialGroups { Self.join(&hub, connection, group, limit: limit) }
            }
        }
    }

    /// Runs `body` on a hub in place.
    @inline(__always)
    private static func modify<Result>(_ hub: inout Hub, _ body: (inout Hub) -> Result) -> Result {
        body(&hub)
    }

    /// Removes a connection from every map.
    func remove(_ connection: ClientConnection) {
        hubs.withLock { hubs in
            guard hubs[connection.hub]?.connections[connection.id] === connection else { return }
            Self.modify(&hubs[connection.hub, default: Hub()]) { hub in
                hub.connections[connection.id] = nil
                for group in hub.connectionGroups.removeValue(forKey: connection.id) ?? [] {
                    hub.groups[group]?[connection.id] = nil
                    if hub.groups[group]?.isEmpty == true { hub.groups[group] = nil }
                }
                if let user = connection.userId {
                    hub.users[user]?[connection.id] = nil
                    if hub.users[user]?.isEmpty == true { hub.users[user] = nil }
                }
            }
        }
    }

    /// Ends a connection: removes it and tells its socket to close (after a `disconnected` frame for
    /// JSON clients).
    func close(_ connection: ClientConnection, code: WebSocketCloseCode = .normal, reason: String) {
        remove(connection)
        // An attached connection's socket reports its own end; a detached reliable session has none.
        if !connection.end(CloseRequest(code: code.nioCode, reason: reason)) {
            disconnected(connection, code: code.nioCode, reason: reason)
        }
    }

    /// Traces the end of a session, once.
    func disconnected(_ connection: ClientConnection, code: WebSocketErrorCode?, reason: String) {
        guard connection.claimEndRecord() else { return }
        tracer.record {
            var details: [(String, JSONValue)] = []
            if let code { details.append(("code", .integer(Int64(UInt16(webSocketErrorCode: code))))) }
            details.append(("reason", .string(reason)))
            details.append(("durationMs", TraceRecord.milliseconds(since: connection.connectedAt)))
            return TraceRecord(.disconnected, connection, details: details)
        }
        events?.disconnected(connection, reason: reason)
    }

    func connection(hub: String, id: String) -> ClientConnection? {
        hubs.withLock { $0[Self.key(hub)]?.connections[id] }
    }

    /// Every connection of a hub.
    func connections(hub: String) -> [ClientConnection] {
        hubs.withLock { $0[Self.key(hub)].map { Array($0.connections.values) } ?? [] }
    }

    func connections(hub: String, user: String) -> [ClientConnection] {
        hubs.withLock { $0[Self.key(hub)]?.users[user].map { Array($0.values) } ?? [] }
    }

    func connections(hub: String, group: String) -> [ClientConnection] {
        hubs.withLock { $0[Self.key(hub)]?.groups[group]?.list() ?? [] }
    }

    func groups(of connection: ClientConnection) -> Set<String> {
        hubs.withLock { $0[connection.hub]?.connectionGroups[connection.id] ?? [] }
    }

    func groupExists(hub: String, group: String) -> Bool {
        hubs.withLock { $0[Self.key(hub)]?.groups[group]?.isEmpty == false }
    }

    func userExists(hub: String, user: String) -> Bool {
        hubs.withLock { $0[Self.key(hub)]?.users[user]?.isEmpty == false }
    }

    /// Every live connection of every hub (for shutdown).
    func allConnections() -> [ClientConnection] {
        hubs.withLock { hubs in hubs.values.flatMap { $0.connections.values } }
    }

    /// A client socket opened or closed (the service-wide connection limit counts sockets).
    func socketOpened() { openSockets.withLock { $0 += 1 } }
    func socketClosed() { openSockets.withLock { $0 -= 1 } }

    /// Client sockets still open (shutdown waits for them).
    var openSocketCount: Int { openSockets.withLock { $0 } }

    /// An admission, or the refusal when the service holds ``ServiceConfiguration/maxConnections``
    /// sockets (503) or the user ``ServiceConfiguration/maxConnectionsPerUser`` connections in the hub
    /// (429). Checked before the upgrade is answered, so concurrent handshakes may pass it together:
    /// the bounds hold to within the handshakes under way at that moment.
    func checkCapacity(_ admission: ClientAdmission) -> Result<ClientAdmission, Refusal> {
        let limit = configuration.maxConnections
        if openSockets.withLock({ $0 }) >= limit {
            return .failure(
                Refusal(
                    .serviceUnavailable,
                    "the service holds \(limit) connections, its limit (pubsub serve --max-connections); try again later",
                    hub: admission.hub
                )
            )
        }
        if admission.recovery == nil, let user = admission.userId {
            let perUser = configuration.maxConnectionsPerUser
            let count = hubs.withLock { $0[Self.key(admission.hub)]?.users[user]?.count ?? 0 }
            if count >= perUser {
                return .failure(
                    Refusal(
                        .tooManyRequests,
                        "user \"\(user)\" already has \(count) connections to hub \"\(admission.hub)\", the most one user may hold "
                            + "(pubsub serve --max-connections-per-user); close one first",
                        hub: admission.hub
                    )
                )
            }
        }
        return .success(admission)
    }

    // MARK: Groups

    /// Adds a connection to a group.
    /// - Returns: false when the connection is already in ``ServiceConfiguration/maxGroupsPerConnection``
    ///   other groups (it is not added); true otherwise, also when it is gone or already a member.
    @discardableResult
    func join(_ connection: ClientConnection, group: String) -> Bool {
        let limit = configuration.maxGroupsPerConnection
        return hubs.withLock { hubs in
            guard hubs[connection.hub]?.connections[connection.id] === connection else { return true }
            return Self.join(&hubs[connection.hub, default: Hub()], connection, group, limit: limit)
        }
    }

    func leave(_ connection: ClientConnection, group: String) {
        hubs.withLock { hubs in
            guard hubs[connection.hub] != nil else { return }
            Self.leave(&hubs[connection.hub, default: Hub()], connection.id, group)
        }
    }

    func leaveAll(_ connection: ClientConnection) {
        hubs.withLock { hubs in
            guard let groups = hubs[connection.hub]?.connectionGroups[connection.id] else { return }
            Self.modify(&hubs[connection.hub, default: Hub()]) { hub in
                for group in groups { Self.leave(&hub, connection.id, group) }
            }
        }
    }

    /// Adds the user's connections to a group; false when the user has none in the hub (REST
    /// answers 404, as Azure does). Membership is the connections', not the user's: a connection the
    /// user opens later starts in no group but its token's, as in Azure.
    /// A connection already in ``ServiceConfiguration/maxGroupsPerConnection`` groups is skipped.
    func addUser(hub hubName: String, user: String, group: String) -> Bool {
        let limit = configuration.maxGroupsPerConnection
        return hubs.withLock { hubs in
            let key = Self.key(hubName)
            guard let connections = hubs[key]?.users[user], !connections.isEmpty else { return false }
            Self.modify(&hubs[key, default: Hub()]) { hub in
                for connection in connections.values { Self.join(&hub, connection, group, limit: limit) }
            }
            return true
        }
    }

    /// Removes the user's connections from one group, or from all when `group` is nil.
    func removeUser(hub hubName: String, user: String, group: String?) {
        hubs.withLock { hubs in
            let key = Self.key(hubName)
            guard let ids = hubs[key]?.users[user]?.keys else { return }
            Self.modify(&hubs[key, default: Hub()]) { hub in
                for id in ids {
                    for member in group.map({ [$0] }) ?? Array(hub.connectionGroups[id] ?? []) {
                        Self.leave(&hub, id, member)
                    }
                }
            }
        }
    }

    @discardableResult
    private static func join(_ hub: inout Hub, _ connection: ClientConnection, _ group: String, limit: Int) -> Bool {
        if let current = hub.connectionGroups[connection.id], current.count >= limit, !current.contains(group) { return false }
        hub.groups[group, default: [:]][connection.id] = connection
        hub.connectionGroups[connection.id, default: []].insert(group)
        return true
    }

    private static func leave(_ hub: inout Hub, _ id: String, _ group: String) {
        hub.groups[group]?[id] = nil
        if hub.groups[group]?.isEmpty == true { hub.groups[group] = nil }
        hub.connectionGroups[id]?.remove(group)
    }

    // MARK: Publishing

    /// The one way a message enters a hub: finds its recipients (by target, less the excluded,
    /// through the filter), frames it once, queues it for each (closing one that cannot keep up),
    /// then hands it to the hub's other subscribers (SSE readers, the live trace).
    /// - Returns: how many connections it was queued for.
    @discardableResult
    func publish(_ publication: Publication) -> Int {
        var recipients: [ClientConnection]
        switch publication.target {
        case .hub: recipients = connections(hub: publication.hub)
        case .group(let group): recipients = connections(hub: publication.hub, group: group)
        case .user(let user): recipients = connections(hub: publication.hub, user: user)
        case .connection(let id): recipients = connection(hub: publication.hub, id: id).map { [$0] } ?? []
        }
        if let filter = publication.filter {
            recipients = recipients.filter { filter.matches(subject(of: $0)) }
        }
        var prepared = PreparedMessage(source: publication.source, message: publication.payload)
        prepared.deadline = publication.deadline
        var count = 0
        let traceDeliveries = tracer.wantsDeliveries
        var batch = DrainBatch(writeAtOnce: PublishTurn.claim())
        // Most publishes exclude nobody: then no connection id is hashed (nor its string touched).
        let excluded = publication.excluded
        let excludes = !excluded.isEmpty
        for connection in recipients where !excludes || !excluded.contains(connection.id) {
            if case .slowClient(let reason)? = connection.deliver(prepared, batch: &batch) {
                logger.warning(
                    "closing a client that cannot keep up",
                    metadata: ["pubsub.connection_id": "\(connection.id)", "pubsub.hub": "\(connection.hub)"]
                )
                tracer.record { TraceRecord(.slowClient, connection, details: [("reason", .string(reason))]) }
                close(connection, code: .policyViolation, reason: reason)
            } else {
                count += 1
                if traceDeliveries { tracer.record { publication.delivery(to: connection) } }
            }
        }
        batch.schedule()
        for subscriber in subscribers { subscriber.published(publication, recipients: count) }
        return count
    }

    /// What an OData filter sees of a connection (§7.3).
    func subject(of connection: ClientConnection) -> ConnectionFilter.Subject {
        ConnectionFilter.Subject(connectionId: connection.id, userId: connection.userId, groups: groups(of: connection))
    }

    // MARK: Sessions

    /// Ends reliable sessions that waited for recovery longer than the retention.
    /// A reliable session lost its transport: the sweeper watches it until it recovers or expires.
    func detached(_ connection: ClientConnection) {
        detachedSessions.withLock { $0[ObjectIdentifier(connection)] = connection }
    }

    /// Ends the detached reliable sessions whose client did not recover within the retention. Only
    /// detached sessions are looked at, so the cost does not grow with the connected clients.
    func sweepExpiredSessions() {
        let now = configuration.clock.now()
        let expired = detachedSessions.withLock { sessions in
            var expired: [ClientConnection] = []
            for (key, connection) in sessions {
                switch connection.retention(now: now) {
                case .waiting: continue
                case .settled: break
                case .expired: expired.append(connection)
                }
                sessions[key] = nil
            }
            return expired
        }
        for connection in expired {
            logger.debug("reliable session expired", metadata: ["pubsub.connection_id": "\(connection.id)"])
            remove(connection)
            connection.end(CloseRequest(code: .policyViolation, reason: "session expired"))
            disconnected(connection, code: .policyViolation, reason: "the session expired: its client did not recover in time")
        }
    }
}

/// The close codes the service uses (protocol reference §10.1).
enum WebSocketCloseCode: Sendable {
    /// 1000: normal, REST close, client close.
    case normal
    /// 1008: the session cannot be recovered (recovery refused, buffer overflow, protocol violation).
    case policyViolation
    /// 1001: the service is going away (shutdown).
    case goingAway
    /// 1011: internal error.
    case internalError

    var nioCode: WebSocketErrorCode {
        switch self {
        case .normal: return .normalClosure
        case .policyViolation: return .policyViolation
        case .goingAway: return .goingAway
        case .internalError: return .unexpectedServerError
        }
    }
}

/// A group's connections by id, and the list a publish to the group takes: kept between publishes
/// and rebuilt after a join or leave, so that a steady fan-out copies no member into a new array
/// (one retain of the list instead of one per member). Holds one reference per member besides the
/// dictionary's (8 bytes each).
struct GroupMembers: ExpressibleByDictionaryLiteral {
    private var byId: [String: ClientConnection]
    private var cached: [ClientConnection]?

    init(dictionaryLiteral elements: (String, ClientConnection)...) {
        byId = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    subscript(id: String) -> ClientConnection? {
        get { byId[id] }
        set {
            byId[id] = newValue
            cached = nil
        }
    }

    var isEmpty: Bool { byId.isEmpty }

    /// Every member, in no particular order.
    mutating func list() -> [ClientConnection] {
        if let cached { return cached }
        let list = Array(byId.values)
        cached = list
        return list
    }
}
