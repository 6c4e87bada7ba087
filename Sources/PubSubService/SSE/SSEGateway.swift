import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
public import Logging
public import PubSubCore
public import ServiceLifecycle

/// The HTTP side of `pubsub serve-sse`: one hub's Server-Sent Events in front of any Web PubSub
/// service. Whoever holds the upstream connection feeds it with ``deliver(_:to:)`` and reports
/// gaps with ``reportLoss(_:)``; `POST /publish` goes back through `relay`.
///
/// ```swift
/// let gateway = SSEGateway(hub: "chat", groups: ["orders"], upstream: connectionString.endpoint,
///                          accessKeys: [connectionString.accessKey], relay: relay, logger: logger)
/// // feed gateway.deliver(…) from a subscriber, then:
/// try await gateway.application(host: "127.0.0.1", port: 8090).runService()
/// ```
public final class SSEGateway: Sendable {
    public let hub: String
    public let groups: Set<String>
    let broker: SSEBroker
    let endpoint: SSEEndpoint
    let logger: Logger
    /// The keys reader tokens are checked with (the upstream hub's).
    let accessKeys: [String]
    /// Upstream messages on their way to the broker. The upstream connection only appends here,
    /// so it keeps reading (and acknowledging) at wire speed while the fan-out to readers catches
    /// up; a reliable connection that fell 1000 messages behind would be closed by the service.
    let feed: OutboundQueue<FeedItem>

    enum FeedItem: Sendable {
        case message(Message, SSEStream)
        case gap(String)
    }

    /// - Parameters:
    ///   - groups: the groups the upstream connection joins at start and keeps (history from then on).
    ///   - join: joins the upstream connection to another group a reader asks for (within
    ///     `options.maxGroups`); ``leaveLingeringGroups(now:)`` says which to leave again.
    ///   - upstream: the service endpoint: reader tokens are the service's client tokens, whose
    ///     `aud` names its client URL for the hub.
    public init(
        hub: String,
        groups: Set<String>,
        upstream: ServiceEndpoint,
        accessKeys: [String],
        historyLimit: Int = 1000,
        historyByteLimit: Int = 64 << 20,
        options: SSEEndpoint.Options = SSEEndpoint.Options(),
        relay: @escaping SSEEndpoint.Relay,
        join: (@Sendable (_ group: String) async throws -> Void)? = nil,
        logger: Logger
    ) {
        self.hub = hub
        self.groups = groups
        self.logger = logger
        self.accessKeys = accessKeys
        let broker = SSEBroker(
            historyLimit: historyLimit,
            historyByteLimit: historyByteLimit,
            retryMilliseconds: options.retryMilliseconds,
            pinned: groups,
            groupLinger: options.groupLinger
        )
        self.broker = broker
        // Bounded in bytes too: a burst of 1 MB messages waits here at most 256 MB, then the
        // readers are told of the gap.
        self.feed = OutboundQueue(limit: 1 << 20, byteLimit: 256 << 20, measure: { item in
            if case .message(let payload, _) = item { return payload.byteCount }
            return 0
        })
        let base = upstream.url
        var endpoint = SSEEndpoint(
            options: options,
            authorizer: Authorizer(verifier: TokenVerifier(accessKeys: accessKeys)),
            defaultHub: hub,
            broker: { requested in
                guard requested.lowercased() == hub.lowercased() else {
                    return .failure(Refusal(.notFound, "this gateway serves hub \"\(hub)\", not \"\(requested)\""))
                }
                return .success(broker)
            },
            audience: { _, path in .resource(base + path) },
            relay: relay,
            logger: logger
        )
        endpoint.join = join
        self.endpoint = endpoint
    }

    /// A message from the upstream connection.
    public func deliver(_ data: MessageData, to stream: SSEStream) {
        if feed.enqueue(.message(Message(data), stream)) == .full {
            _ = feed.enqueue(.gap("the gateway fell more than \(feed.limit) messages or \(feed.byteLimit) bytes behind its upstream"), overLimit: true)
        }
    }

    /// The groups joined for readers (not those given at start): the upstream joins them again
    /// when it reconnects as a new connection.
    public var joinedGroups: Set<String> { broker.carriedGroups }

    /// Stops carrying the groups whose readers have been gone for the linger.
    /// - Returns: the groups to leave upstream.
    public func leaveLingeringGroups(now: ContinuousClock.Instant = .now) -> [String] {
        broker.leaveLingering(now: now)
    }

    /// The upstream connection may have missed messages: every reader is told now, and so is any
    /// reader that later resumes from before this point.
    public func reportLoss(_ reason: String) {
        _ = feed.enqueue(.gap(reason), overLimit: true)
    }

    /// How many SSE readers are connected.
    public var readerCount: Int { broker.listenerCount }

    /// The HTTP server: `GET /events`, `POST /publish`, the demo page at `/`, and `GET /healthz`
    /// (`{"status":"ok","readers":N}`).
    /// On graceful shutdown the SSE streams end first.
    /// - Throws: ``PubSubError`` `developmentKeyBeyondLoopback` when `host` reaches beyond this
    ///   machine and the upstream hub is signed with the public development key (anyone could mint
    ///   reader tokens).
    public func application(
        host: String,
        port: Int,
        tls: ServiceTLS? = nil,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(PubSubError) -> some Service {
        if accessKeys.contains(ConnectionString.developmentAccessKey), !LoopbackCheck.isLoopbackOnly(host: host) {
            throw PubSubError(
                .developmentKeyBeyondLoopback,
                "refusing to listen on \(host) for a hub signed with the public development key: anyone could mint reader tokens",
                hint: "listen on 127.0.0.1, or use a connection string with a secret AccessKey",
                exitStatus: .usage
            )
        }
        let router = Router()
        endpoint.register(on: router)
        let broker = self.broker
        router.get("/healthz") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok","readers":\#(broker.listenerCount)}"#))
            )
        }
        let server: HTTPServerBuilder
        if let tls {
            do {
                server = try .tls(.http1(), tlsConfiguration: tls.configuration)
            } catch {
                throw PubSubError(.invalidTLSFiles, "TLS could not be set up for the gateway: \(error)", exitStatus: .dataError)
            }
        } else {
            server = .http1()
        }
        let application = Application(
            router: router,
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "pubsub-sse"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
        return ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: FeedPump(feed: feed, broker: broker)),
                    .init(service: application),
                    .init(service: StreamCloser(broker: broker)),
                ],
                logger: logger
            )
        )
    }
}

/// Moves upstream messages from the feed into the broker, a whole backlog at a time.
struct FeedPump: Service {
    let feed: OutboundQueue<SSEGateway.FeedItem>
    let broker: SSEBroker

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while let batch = await feed.takeAll() {
                for item in batch {
                    switch item {
                    case .message(let payload, let stream): broker.publish(payload, to: stream)
                    case .gap(let reason): broker.reportGap(reason)
                    }
                }
            }
        }
    }
}

/// Ends every SSE stream when shutdown begins, so the HTTP server's graceful stop does not wait on
/// streams that never end by themselves.
struct StreamCloser: Service {
    let broker: SSEBroker

    func run() async throws {
        try? await gracefulShutdown()
        broker.finishAll()
    }
}
