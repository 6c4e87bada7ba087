import NIOWebSocket
import PubSubCore
import Synchronization

/// How connections live and end: the service-wide capacity (open sockets, connections per user),
/// the reliable sessions waiting for their client to recover and their sweep, and the record of
/// each session's end (the trace, the `disconnected` event).
final class ConnectionLifecycle: Sendable {
    private let configuration: ServiceConfiguration
    private let tracer: Tracer
    /// Told when a session ends.
    private let events: EventUpstream?
    /// Reliable sessions waiting for their client to recover.
    private let detachedSessions = Mutex<[ObjectIdentifier: ClientConnection]>([:])
    /// Open client sockets, across hubs (a closed connection's socket may still be finishing).
    private let openSockets = Atomic<Int>(0)

    init(configuration: ServiceConfiguration, tracer: Tracer, events: EventUpstream?) {
        self.configuration = configuration
        self.tracer = tracer
        self.events = events
    }

    // MARK: Capacity

    /// A client socket opened or closed (the service-wide connection limit counts sockets).
    func socketOpened() { openSockets.add(1, ordering: .relaxed) }
    func socketClosed() { openSockets.subtract(1, ordering: .relaxed) }

    /// Client sockets still open (shutdown waits for them).
    var openSocketCount: Int { openSockets.load(ordering: .relaxed) }

    /// An admission, or the refusal when the service holds ``ServiceConfiguration/maxConnections``
    /// sockets (503) or the user ``ServiceConfiguration/maxConnectionsPerUser`` connections in the
    /// hub (429; `userConnections` counts them). Checked before the upgrade is answered, so
    /// concurrent handshakes may pass it together: the bounds hold to within the handshakes under
    /// way at that moment.
    func checkCapacity(_ admission: ClientAdmission, userConnections: (String) -> Int) -> Result<ClientAdmission, Refusal> {
        let limit = configuration.maxConnections
        if openSocketCount >= limit {
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
            let count = userConnections(user)
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

    // MARK: Ends

    /// Traces the end of a session and tells the event handler, once.
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

    // MARK: Detached sessions

    /// A reliable session lost its transport: the sweep watches it until it recovers or expires.
    func detached(_ connection: ClientConnection) {
        detachedSessions.withLock { $0[ObjectIdentifier(connection)] = connection }
    }

    /// How many detached sessions the sweep watches.
    var detachedCount: Int { detachedSessions.withLock { $0.count } }

    /// Takes the detached sessions whose client did not recover within the retention (and forgets
    /// those that recovered or ended meanwhile); the caller ends them. Only detached sessions are
    /// looked at, so the cost does not grow with the connected clients.
    func takeExpiredSessions() -> [ClientConnection] {
        let now = configuration.clock.now()
        return detachedSessions.withLock { sessions in
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
    }
}
