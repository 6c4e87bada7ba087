import Logging

/// What the service's parts share besides the hub state: the configuration, the live trace, the
/// app's event handlers, the SSE brokers and the ping wheels. Made once by `buildHubParts` and
/// handed to what needs it; ``HubRegistry`` holds hub state only.
///
/// A class: every client session holds it (through ``ClientSocketHandler``), and as a struct the
/// whole configuration was copied into each one (about 600 bytes of every idle connection).
final class ServiceContext: Sendable {
    let configuration: ServiceConfiguration
    /// The live trace.
    let tracer: Tracer
    /// The app's event handlers, when the service has any (§8).
    let events: EventUpstream?
    /// The hubs' Server-Sent Events brokers.
    let sse: SSEHubs
    /// Who pings the client sockets, per event loop.
    let pingWheels: PingWheels
    /// Each event loop's publications waiting to be delivered (``LoopMailbox``).
    let mailboxes = LoopMailboxes()
    let logger: Logger

    /// - Parameter origin: the service's host and port for event handlers (`WebHook-Request-Origin`).
    init(configuration: ServiceConfiguration, logger: Logger, origin: @escaping @Sendable () -> String = { "localhost" }) {
        self.configuration = configuration
        self.logger = logger
        sse = SSEHubs(
            historyLimit: configuration.sseHistoryLimit,
            historyByteLimit: configuration.sseHistoryByteLimit,
            groupLinger: configuration.sse.groupLinger
        )
        let tracer = Tracer(bufferLimit: configuration.traceBufferLimit, historyLimit: configuration.traceHistoryLimit)
        self.tracer = tracer
        pingWheels = PingWheels(interval: configuration.pingInterval)
        events =
            configuration.eventHandlers.isEmpty
            ? nil
            : EventUpstream(
                settings: configuration.eventHandlers,
                accessKeys: configuration.accessKeys,
                timeout: configuration.eventHandlerTimeout,
                maxBodySize: configuration.maxMessageSize,
                origin: origin,
                tracer: tracer,
                logger: logger
            )
    }
}
