public import PubSubCore

/// Settings of the local service.
public struct ServiceConfiguration: Sendable {
    /// Address to bind; loopback by default.
    public var host: String
    /// TLS for every connection (`--tls-cert`/`--tls-key`): https:// and wss:// on the one port.
    public var tls: ServiceTLS?
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// Access keys that sign valid tokens (a primary and optionally a secondary).
    public var accessKeys: [String]
    /// Largest client WebSocket message accepted (protocol reference §9: 1 MB).
    public var maxMessageSize: Int
    /// Largest REST request body accepted.
    public var maxRESTBodySize: Int
    /// Frames that may wait in one connection's outbound queue before it counts as a slow client
    /// and is disconnected (so it never slows the others).
    public var outboundQueueLimit: Int
    /// Unacknowledged messages a reliable connection may have before it is closed for good (§6.1).
    public var reliableUnackedMessageLimit: Int
    /// Unacknowledged bytes a reliable connection may have before it is closed for good (§6.1).
    public var reliableUnackedByteLimit: Int
    /// How long a reliable session outlives its transport, waiting for recovery (§6.4: at least 30 s).
    public var sessionRetention: Duration
    /// WebSocket ping period; a client that stops answering is closed.
    public var pingInterval: Duration
    /// Server-Sent Events kept per stream (server-wide, each group) for `Last-Event-ID` resume.
    public var sseHistoryLimit: Int
    /// The SSE endpoint's options (public groups, CORS, heartbeat).
    public var sse: SSEEndpoint.Options
    /// Live-trace events that may wait for one trace client before it misses some.
    public var traceBufferLimit: Int
    /// Live-trace events kept so that a trace client that reconnects resumes without a gap.
    public var traceHistoryLimit: Int
    /// The app's event handlers per hub (§8); none by default.
    public var eventHandlers: EventHandlerSettings
    /// How long a blocking event (`connect`, user events) waits for its handler's answer.
    public var eventHandlerTimeout: Duration
    /// How long a new connection may take to send its whole first request (the WebSocket upgrade
    /// or an HTTP request head); a slower one gets 408 and is closed (slowloris).
    public var handshakeTimeout: Duration
    /// How long an HTTP connection may sit idle between requests, or stall while sending one.
    public var httpIdleTimeout: Duration
    /// Bytes that may wait in one connection's outbound queue before it counts as a slow client
    /// (with ``outboundQueueLimit`` frames, whichever comes first).
    public var outboundQueueByteLimit: Int
    /// The most recent `ackId`s a connection's duplicate check remembers; older ones are forgotten.
    public var ackIdWindow: Int
    /// Groups one connection may be in; a join past it is refused.
    public var maxGroupsPerConnection: Int
    /// Client WebSocket connections the service holds at once; more are refused with 503.
    public var maxConnections: Int
    /// Connections one user (the token's `sub`) may hold in a hub; more are refused with 429.
    public var maxConnectionsPerUser: Int
    /// Bytes of Server-Sent Events history one hub keeps, across its streams; the oldest events go first.
    public var sseHistoryByteLimit: Int
    /// The listening socket's accept queue; nil: the system's own limit (Linux `somaxconn`).
    /// Connections that arrive faster than they are accepted wait here; past it the kernel drops
    /// their SYNs and the clients retry after 1 s, 2 s, 4 s (a connection storm's long tail).
    public var listenBacklog: Int?
    /// The service's time for message TTLs and session retention; tests move it instead of waiting.
    public var clock: ServiceClock = .system

    /// Creates a configuration; the defaults are the documented service limits.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        accessKeys: [String] = [ConnectionString.developmentAccessKey],
        maxMessageSize: Int = 1 << 20,
        maxRESTBodySize: Int = 1 << 20,
        outboundQueueLimit: Int = 4096,
        reliableUnackedMessageLimit: Int = 1000,
        reliableUnackedByteLimit: Int = 16 << 20,
        sessionRetention: Duration = .seconds(30),
        pingInterval: Duration = .seconds(20),
        sseHistoryLimit: Int = 1000,
        sse: SSEEndpoint.Options = SSEEndpoint.Options(),
        traceBufferLimit: Int = 10_000,
        traceHistoryLimit: Int = 10_000,
        eventHandlers: EventHandlerSettings = EventHandlerSettings(),
        eventHandlerTimeout: Duration = .seconds(10),
        handshakeTimeout: Duration = .seconds(10),
        httpIdleTimeout: Duration = .seconds(60),
        outboundQueueByteLimit: Int = 16 << 20,
        ackIdWindow: Int = 1024,
        maxGroupsPerConnection: Int = 1000,
        maxConnections: Int = 50_000,
        maxConnectionsPerUser: Int = 1000,
        sseHistoryByteLimit: Int = 64 << 20
    ) {
        self.host = host
        self.port = port
        self.accessKeys = accessKeys
        self.maxMessageSize = maxMessageSize
        self.maxRESTBodySize = maxRESTBodySize
        self.outboundQueueLimit = outboundQueueLimit
        self.reliableUnackedMessageLimit = reliableUnackedMessageLimit
        self.reliableUnackedByteLimit = reliableUnackedByteLimit
        self.sessionRetention = sessionRetention
        self.pingInterval = pingInterval
        self.sseHistoryLimit = sseHistoryLimit
        self.sse = sse
        self.traceBufferLimit = traceBufferLimit
        self.traceHistoryLimit = traceHistoryLimit
        self.eventHandlers = eventHandlers
        self.eventHandlerTimeout = eventHandlerTimeout
        self.handshakeTimeout = handshakeTimeout
        self.httpIdleTimeout = httpIdleTimeout
        self.outboundQueueByteLimit = outboundQueueByteLimit
        self.ackIdWindow = ackIdWindow
        self.maxGroupsPerConnection = maxGroupsPerConnection
        self.maxConnections = maxConnections
        self.maxConnectionsPerUser = maxConnectionsPerUser
        self.sseHistoryByteLimit = sseHistoryByteLimit
    }

    /// Whether `host` reaches this machine only: a loopback address, or a name that resolves to
    /// loopback addresses only (see ``LoopbackCheck``).
    public var bindsLoopbackOnly: Bool {
        LoopbackCheck.isLoopbackOnly(host: host)
    }

    /// Whether the public development key may be used: only on loopback, so that nobody beyond
    /// this machine can mint tokens for the service. ``buildHubService(configuration:logger:onListening:)``
    /// refuses to listen otherwise, so every embedding of the service gets this guard.
    /// - Throws: ``PubSubError`` `developmentKeyBeyondLoopback` (exit 64).
    public func checkDevelopmentKey() throws(PubSubError) {
        guard accessKeys.contains(ConnectionString.developmentAccessKey), !bindsLoopbackOnly else { return }
        throw PubSubError(
            .developmentKeyBeyondLoopback,
            "refusing to listen on \(host) with the public development key",
            hint: "pass --access-key (or set PUBSUB_ACCESS_KEY) to a secret key, or listen on 127.0.0.1",
            exitStatus: .usage
        )
    }

    /// The connection string clients use to reach this service on `port`.
    public func connectionString(port actualPort: Int) -> ConnectionString {
        let advertisedHost = bindsLoopbackOnly || host == "0.0.0.0" || host == "::" ? "localhost" : host
        return ConnectionString(
            endpoint: ServiceEndpoint(scheme: tls == nil ? "http" : "https", host: advertisedHost, port: actualPort),
            accessKey: accessKeys.first ?? ConnectionString.developmentAccessKey
        )
    }
}

/// Printed without its access keys (a log line or an error may show a configuration).
extension ServiceConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "ServiceConfiguration(\(host):\(port), \(accessKeys.count) access key(s), limits: message \(maxMessageSize) B, "
            + "outbound \(outboundQueueLimit) frames/\(outboundQueueByteLimit) B, connections \(maxConnections) (per user \(maxConnectionsPerUser)), "
            + "groups per connection \(maxGroupsPerConnection), handshake \(handshakeTimeout), HTTP idle \(httpIdleTimeout))"
    }

    public var debugDescription: String { description }
}

extension PubSubError.Code {
    public static let developmentKeyBeyondLoopback = Self("developmentKeyBeyondLoopback")
}
