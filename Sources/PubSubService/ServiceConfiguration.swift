public import PubSubCore

/// Settings of the local service.
public struct ServiceConfiguration: Sendable {
    /// Address to bind; loopback by default.
    public var host: String
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
        eventHandlerTimeout: Duration = .seconds(10)
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
    }

    /// Whether `host` is a loopback address (where the public development key may be used).
    public var bindsLoopbackOnly: Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }

    /// The connection string clients use to reach this service on `port`.
    public func connectionString(port actualPort: Int) -> ConnectionString {
        let advertisedHost = bindsLoopbackOnly || host == "0.0.0.0" || host == "::" ? "localhost" : host
        return ConnectionString(
            endpoint: ServiceEndpoint(scheme: "http", host: advertisedHost, port: actualPort),
            accessKey: accessKeys.first ?? ConnectionString.developmentAccessKey
        )
    }
}
