import Logging
import NIOCore
import NIOWebSocket
import PubSubCore
import Synchronization

/// The service's hubs: routing (``HubRoutes``, one per hub, each behind its own lock), delivery
/// (``Delivery``) and the connections' lifecycle (``ConnectionLifecycle``), put together. Everything
/// that changes hub state or publishes goes through here.
///
/// The map from hub name to its routes has a lock of its own, held only to look a hub up or add
/// one: a connect, a join or a publish in one hub never waits on work in another.
final class HubRegistry: Sendable {
    private let configuration: ServiceConfiguration
    private let logger: Logger
    let lifecycle: ConnectionLifecycle
    private let delivery: Delivery
    /// Who else sees every publication, after its connections: the SSE brokers, the trace.
    private let subscribers: [any PublicationSubscriber]
    private let hubs = Mutex<[String: HubRoutes]>([:])

    init(context: ServiceContext) {
        configuration = context.configuration
        logger = context.logger
        subscribers = [context.sse, context.tracer]
        let lifecycle = ConnectionLifecycle(configuration: context.configuration, tracer: context.tracer, events: context.events)
        self.lifecycle = lifecycle
        // The delivery closes slow clients through the registry, which it must not retain.
        let closer = WeakRegistry()
        delivery = Delivery(logger: context.logger, tracer: context.tracer) { connection, reason in
            closer.registry?.close(connection, code: .policyViolation, reason: reason)
        }
        closer.registry = self
    }

    /// Hub names are case-insensitive (§1).
    static func key(_ hub: String) -> String { hub.lowercased() }

    /// A hub's routes, if it has any.
    func routes(_ hub: String) -> HubRoutes? {
        routes(key: Self.key(hub))
    }

    /// The routes of a hub named by its key (a connection's `hub`, a publication's), which is
    /// lower-cased already.
    private func routes(key: String) -> HubRoutes? {
        hubs.withLock { $0[key] }
    }

    /// A hub's routes, made on first use.
    private func routesMaking(_ key: String) -> HubRoutes {
        let limit = configuration.maxGroupsPerConnection
        return hubs.withLock { hubs in
            if let routes = hubs[key] { return routes }
            let routes = HubRoutes(key: key, maxGroupsPerConnection: limit)
            hubs[key] = routes
            return routes
        }
    }

    // MARK: Connections

    /// Adds a new connection and joins its initial groups (the token's).
    func register(_ connection: ClientConnection, groups: [String]) {
        routesMaking(connection.hub).add(connection, groups: groups)
    }

    /// Removes a connection from its hub.
    func remove(_ connection: ClientConnection) {
        routes(key: connection.hub)?.remove(connection)
    }

    /// Ends a connection: removes it and tells its socket to close (after a `disconnected` frame for
    /// JSON clients).
    func close(_ connection: ClientConnection, code: WebSocketCloseCode = .normal, reason: String) {
        remove(connection)
        // An attached connection's socket reports its own end; a detached reliable session has none.
        if !connection.end(CloseRequest(code: code.nioCode, reason: reason)) {
            lifecycle.disconnected(connection, code: code.nioCode, reason: reason)
        }
    }

    func connection(hub: String, id: String) -> ClientConnection? {
        routes(hub)?.connection(id: id)
    }

    /// Every connection of a hub.
    func connections(hub: String) -> [ClientConnection] {
        routes(hub)?.connections() ?? []
    }

    func connections(hub: String, user: String) -> [ClientConnection] {
        routes(hub)?.connections(user: user) ?? []
    }

    func connections(hub: String, group: String) -> [ClientConnection] {
        routes(hub)?.connections(group: group) ?? []
    }

    func groups(of connection: ClientConnection) -> Set<String> {
        routes(key: connection.hub)?.groups(of: connection) ?? []
    }

    func groupExists(hub: String, group: String) -> Bool {
        routes(hub)?.groupExists(group) ?? false
    }

    func userExists(hub: String, user: String) -> Bool {
        routes(hub)?.userExists(user) ?? false
    }

    /// Every live connection of every hub (for shutdown).
    func allConnections() -> [ClientConnection] {
        hubs.withLock { Array($0.values) }.flatMap { $0.connections() }
    }

    /// The admission, or the refusal when the service or the user is at capacity
    /// (``ConnectionLifecycle/checkCapacity(_:userConnections:)``).
    func checkCapacity(_ admission: ClientAdmission) -> Result<ClientAdmission, Refusal> {
        let routes = routes(admission.hub)
        return lifecycle.checkCapacity(admission) { routes?.connectionCount(user: $0) ?? 0 }
    }

    // MARK: Groups

    /// Adds a connection to a group; false when it is already in
    /// ``ServiceConfiguration/maxGroupsPerConnection`` other groups.
    @discardableResult
    func join(_ connection: ClientConnection, group: String) -> Bool {
        routes(key: connection.hub)?.join(connection, group: group) ?? true
    }

    func leave(_ connection: ClientConnection, group: String) {
        routes(key: connection.hub)?.leave(connection, group: group)
    }

    func leaveAll(_ connection: ClientConnection) {
        routes(key: connection.hub)?.leaveAll(connection)
    }

    /// ``HubRoutes/addUser(_:group:)``: false when the user has no connection in the hub.
    func addUser(hub: String, user: String, group: String) -> Bool {
        routes(hub)?.addUser(user, group: group) ?? false
    }

    func removeUser(hub: String, user: String, group: String?) {
        routes(hub)?.removeUser(user, group: group)
    }

    // MARK: Publishing

    /// The one way a message enters a hub: finds its recipients (by target, through the filter),
    /// hands it to ``Delivery`` (less the excluded), then to the hub's other subscribers (SSE
    /// readers, the live trace).
    /// - Returns: how many connections it was handed to, and, when an event loop has more
    ///   publications waiting than its mailbox's high-water mark, a future the publisher waits for
    ///   before publishing more (a REST send before its 202, a client before its next message).
    @discardableResult
    func publish(_ publication: Publication) -> (recipients: Int, wait: EventLoopFuture<Void>?) {
        var report = Delivery.Report()
        if let routes = routes(key: publication.hub) {
            var recipients = routes.recipients(for: publication.target)
            if let filter = publication.filter {
                recipients = recipients.filter { filter.matches(routes.subject(of: $0)) }
            }
            report = delivery.deliver(publication, to: recipients)
        }
        for subscriber in subscribers { subscriber.published(publication, recipients: report.recipients) }
        return (report.recipients, report.wait)
    }

    /// What an OData filter sees of a connection (§7.3).
    func subject(of connection: ClientConnection) -> ConnectionFilter.Subject {
        routes(key: connection.hub)?.subject(of: connection)
            ?? ConnectionFilter.Subject(connectionId: connection.id, userId: connection.userId, groups: [])
    }

    // MARK: Sessions

    /// Ends the detached reliable sessions whose client did not recover within the retention.
    func sweepExpiredSessions() {
        for connection in lifecycle.takeExpiredSessions() {
            logger.debug("reliable session expired", metadata: ["pubsub.connection_id": "\(connection.id)"])
            remove(connection)
            connection.end(CloseRequest(code: .policyViolation, reason: "session expired"))
            lifecycle.disconnected(connection, code: .policyViolation, reason: "the session expired: its client did not recover in time")
        }
    }
}

/// The registry, held weakly by its own delivery (which closes slow clients through it).
private final class WeakRegistry: Sendable {
    private let box = Mutex<WeakBox?>(nil)

    private struct WeakBox {
        weak var registry: HubRegistry?
    }

    var registry: HubRegistry? {
        get { box.withLock { $0?.registry } }
        set { box.withLock { $0 = WeakBox(registry: newValue) } }
    }
}
