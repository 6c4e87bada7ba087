import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTPTypesHTTP1
import PubSubCore
import ServiceLifecycle

/// The local Web PubSub-compatible service as `pubsub serve` runs it: the WebSocket client
/// endpoint (`/client/hubs/{hub}`, `/client/?hub=`), the REST data plane (`/api/hubs/{hub}/…`),
/// `/api/health`, Server-Sent Events (`/events?hub=…`, `/publish?hub=…`, a demo page at `/`) and
/// the live trace, on ``HubListener`` (no task per WebSocket connection), with an orderly
/// shutdown. On SIGINT/SIGTERM every client first gets a `disconnected` message and a 1001 close
/// frame, and only then does the listener stop (finishing in-flight REST calls).
///
/// ```swift
/// let service = buildHubService(configuration: ServiceConfiguration(port: 0), logger: logger) { port in
///     print("listening on \(port)")
/// }
/// try await ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
///
/// - Parameters:
///   - configuration: address, keys and limits.
///   - logger: the service's logger (`pubsub.hub`).
///   - onListening: called with the bound port once the server accepts connections.
public func buildHubService(
    configuration: ServiceConfiguration,
    logger: Logger,
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some Service {
    let parts = buildHubParts(configuration: configuration, logger: logger, onListening: onListening)
    // Our own listener rather than the application's server: no task per WebSocket (HubListener).
    let listener = HubListener(
        childChannel: parts.childChannel(hubResponder(router: parts.router, logger: logger)),
        configuration: configuration,
        logger: logger,
        onListening: parts.onServerRunning
    )
    // A group's services shut down in reverse order: the closer goes first.
    return ServiceGroup(
        configuration: .init(
            services: [
                .init(service: listener), .init(service: SessionSweeper(registry: parts.registry, sse: parts.context.sse)),
                .init(service: ConnectionCloser(registry: parts.registry, context: parts.context)),
            ],
            logger: logger
        )
    )
}

/// The service's parts: the router (REST, SSE, trace, refusals), the client channel (WebSocket
/// upgrade and admission) around an HTTP responder, and the registry.
struct HubParts {
    let router: Router<BasicWebSocketRequestContext>
    let registry: HubRegistry
    let context: ServiceContext
    let childChannel: @Sendable (@escaping HTTPChannelHandler.Responder) -> ClientUpgradeChannel
    let onServerRunning: @Sendable (any Channel) async -> Void
}

func buildHubParts(
    configuration: ServiceConfiguration,
    logger: Logger,
    onListening: @escaping @Sendable (Int) async -> Void
) -> HubParts {
    let address = ListeningAddress(configuredPort: configuration.port)
    let context = ServiceContext(configuration: configuration, logger: logger) {
        "\(configuration.connectionString(port: address.port).endpoint.host):\(address.port)"
    }
    let registry = HubRegistry(context: context)
    let verifier = TokenVerifier(accessKeys: configuration.accessKeys)
    // Verified tokens are kept (1,024 of at most 4 KB): a storm of clients with one token checks
    // its signature once.
    let authorizer = Authorizer(verifier: verifier, cachedTokens: 1024)
    let audience: @Sendable (String?, String) -> AudienceExpectation = { address.audience(authority: $0, path: $1) }
    let socketHandler = ClientSocketHandler(registry: registry, context: context)

    let router = Router(context: BasicWebSocketRequestContext.self)
    router.add(middleware: RESTMiddleware(registry: registry, context: context, authorizer: authorizer, address: address))
    // Reached only when the WebSocket upgrade was declined: say why, with the right status.
    let explainRefusal: @Sendable (Request, BasicWebSocketRequestContext) async throws -> Response = { request, _ in
        let admission = ClientAdmission.admit(
            ClientUpgradeRequest(request),
            authorizer: authorizer,
            audience: audience,
            maxGroups: configuration.maxGroupsPerConnection
        )
        switch admission.flatMap(\.checked) {
        case .failure(let refusal):
            return refusal.response(for: request.method)
        case .success:
            return Refusal(.badRequest, "this is a WebSocket endpoint: connect with a WebSocket client").response(for: request.method)
        }
    }
    router.get("/client/hubs/:hub", use: explainRefusal)
    router.get("/client", use: explainRefusal)
    sseEndpoint(registry: registry, context: context, authorizer: authorizer, address: address).register(on: router)
    TraceEndpoint(tracer: context.tracer, authorizer: authorizer, address: address, heartbeat: min(configuration.sse.heartbeat, .seconds(15)), logger: logger)
        .register(on: router)

    // Our child channel answers a refused upgrade with its status and reason; an admitted one
    // runs the socket handler, which writes data frames to the channel in batches.
    let childChannel: @Sendable (@escaping HTTPChannelHandler.Responder) -> ClientUpgradeChannel = { responder in
        ClientUpgradeChannel(
            responder: responder,
            maxMessageSize: configuration.maxMessageSize,
            closeTimeout: .seconds(5),
            handshakeTimeout: configuration.handshakeTimeout,
            httpIdleTimeout: configuration.httpIdleTimeout,
            admit: { head, eventLoop in
                let request = ClientUpgradeRequest(head)
                // The roles are final once the `connect` handler (if any) answered.
                @Sendable func settled(_ admission: Result<ClientAdmission, Refusal>) -> Result<ClientAdmission, Refusal> {
                    let decided = admission.flatMap(\.checked).flatMap(registry.checkCapacity)
                    traceRefusal(decided, path: request.path, tracer: context.tracer)
                    return decided
                }
                let admission = ClientAdmission.admit(
                    request,
                    authorizer: authorizer,
                    audience: audience,
                    maxGroups: configuration.maxGroupsPerConnection
                )
                if case .success(let admitted) = admission, admitted.recovery == nil, let events = context.events,
                    let handler = events.settings.handler(hub: admitted.hub, systemEvent: .connect)
                {
                    // The handler is told every header: only here is the whole head converted.
                    guard let fields = try? HTTPRequest(head, secure: false, splitCookie: false) else {
                        return .now(settled(.failure(Refusal(.badRequest, "the upgrade request is malformed", hub: admitted.hub))))
                    }
                    let full = Request(head: fields, body: .init(buffer: ByteBuffer()))
                    return .later(events.connect(admitted, request: full, handler: handler, on: eventLoop).map(settled))
                }
                return .now(settled(admission))
            },
            protocolHandler: socketHandler
        )
    }
    return HubParts(router: router, registry: registry, context: context, childChannel: childChannel) { channel in
        let port = channel.localAddress?.port ?? configuration.port
        address.bound(to: port)
        await onListening(port)
    }
}

/// Records a refused upgrade in the live trace.
private func traceRefusal(_ admission: Result<ClientAdmission, Refusal>, path: String, tracer: Tracer) {
    if case .failure(let refusal) = admission {
        tracer.record {
            TraceRecord(
                .refused,
                hub: refusal.hub.map(HubRegistry.key),
                details: [
                    ("status", .integer(Int64(refusal.status.code))), ("reason", .string(refusal.message)),
                    ("path", .string(path)),
                ]
            )
        }
    }
}

/// `GET /events?hub=…`, `POST /publish?hub=…` and the demo page: SSE straight from the service, with
/// no gateway hop. A POST is published like a REST send to the hub or the group.
private func sseEndpoint(registry: HubRegistry, context: ServiceContext, authorizer: Authorizer, address: ListeningAddress) -> SSEEndpoint {
    SSEEndpoint(
        options: context.configuration.sse,
        authorizer: authorizer,
        defaultHub: nil,
        broker: { hub in .success(context.sse.broker(hub: hub)) },
        audience: { request, path in address.audience(for: request, path: path) },
        relay: { hub, stream, body, type in
            let message = Message(type: type, bytes: body)
            let publication: Publication
            switch stream {
            case .server:
                publication = Publication(hub: hub, origin: .sse, target: .hub, payload: message, source: .server)
            case .group(let group):
                publication = Publication(hub: hub, origin: .sse, target: .group(group), payload: message, source: .group(group, fromUserId: nil))
            }
            // Back-pressure, as for a REST send (LoopMailbox).
            if let wait = registry.publish(publication).wait { try? await wait.get() }
        },
        logger: context.logger
    )
}
