public import Hummingbird
import HTTPTypes
import Logging
import NIOCore
public import PubSubCore
import ServiceLifecycle
import Synchronization

/// The Server-Sent Events front of a hub, shared by `pubsub serve` and `pubsub serve-sse`:
///
/// - `GET /events?group=a&group=b` streams the hub's server-wide messages and those groups' messages
///   (`id:`, `event:`, `retry:`, `data:`), resuming after `Last-Event-ID` (header) or
///   `last_event_id` (query) from each stream's history, with an explicit `loss` event first when
///   the history cannot cover the gap;
/// - `POST /publish?group=g` relays its body to the hub (`text/plain`, `application/json`,
///   `application/octet-stream`);
/// - `GET /` is a demo page.
///
/// Readers present a client access token for the hub (`access_token` or `Authorization: Bearer`);
/// they may read the groups their roles let them join and the groups the token starts in. Groups
/// named with `publicGroups` may be read without a token (server-wide messages are not included
/// then).
public struct SSEEndpoint: Sendable {
    /// Where messages published with `POST /publish` go: the body (validated for its type) and its
    /// type (`text`, `json` or `binary`).
    public typealias Relay = @Sendable (_ hub: String, _ stream: SSEStream, _ body: ByteBuffer, _ type: MessageDataType) async throws -> Void

    public struct Options: Sendable {
        /// Anonymous readers may read these groups.
        public var publicGroups: Set<String> = []
        /// `Access-Control-Allow-Origin`: `*` or an origin; none when nil.
        public var allowOrigin: String?
        /// How often an idle stream gets a comment line.
        public var heartbeat: Duration = .seconds(15)
        /// The `retry:` field: how long a browser waits before reconnecting.
        public var retryMilliseconds = 3000
        /// The largest `POST /publish` body.
        public var maxBodySize = 1 << 20
        /// Readers served at once; more get 503.
        public var maxStreams = 10_000
        /// Groups a hub carries for its readers at once (the gateway's `--group` ones aside); a
        /// reader asking for one more gets 503.
        public var maxGroups = 1000
        /// How long a group is still carried (and its history kept growing) after its last reader
        /// left, so that a reader that reconnects resumes without a gap.
        public var groupLinger: Duration = .seconds(30)

        public init() {}
    }

    let options: Options
    let authorizer: Authorizer
    /// The broker of a hub, or a reason it is not served (the gateway serves one hub).
    let broker: @Sendable (_ hub: String) -> Result<SSEBroker, Refusal>
    /// The hub when the request names none (the gateway's), else nil: `hub=` is required.
    let defaultHub: String?
    /// What a token's `aud` must name for `path` on this server.
    let audience: @Sendable (_ request: Request, _ path: String) -> AudienceExpectation
    let relay: Relay
    let logger: Logger
    /// Joins a group the hub does not carry yet where its messages come from (the gateway's
    /// upstream connection); nil where they come anyway (the local service).
    var join: (@Sendable (_ group: String) async throws -> Void)?
    /// Readers being served now.
    let openStreams = StreamCount()

    final class StreamCount: Sendable {
        private let count = Atomic<Int>(0)

        /// Takes a place if fewer than `limit` are taken.
        func claim(limit: Int) -> Bool {
            var current = count.load(ordering: .relaxed)
            while current < limit {
                let (exchanged, original) = count.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
                if exchanged { return true }
                current = original
            }
            return false
        }

        func release() { count.subtract(1, ordering: .relaxed) }

        var value: Int { count.load(ordering: .relaxed) }
    }

    init(
        options: Options,
        authorizer: Authorizer,
        defaultHub: String?,
        broker: @escaping @Sendable (_ hub: String) -> Result<SSEBroker, Refusal>,
        audience: @escaping @Sendable (_ request: Request, _ path: String) -> AudienceExpectation,
        relay: @escaping Relay,
        logger: Logger
    ) {
        self.options = options
        self.authorizer = authorizer
        self.defaultHub = defaultHub
        self.broker = broker
        self.audience = audience
        self.relay = relay
        self.logger = logger
    }

    /// Adds `GET /events`, `POST /publish`, `OPTIONS /publish` and `GET /` to `router`.
    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/events") { request, _ in await self.events(request) }
        router.post("/publish") { request, _ in await self.publish(request) }
        router.on("/publish", method: .options) { request, _ in self.preflight(request) }
        router.on("/events", method: .options) { request, _ in self.preflight(request) }
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: SSEDemoPage.html))
            )
        }
    }

    // MARK: GET /events

    func events(_ request: Request) async -> Response {
        let query = request.uri.queryParameters
        let groups = query.getAll("group").map { String($0) }
        let hub: String
        let broker: SSEBroker
        let streams: Set<SSEStream>
        do {
            hub = try resolveHub(request)
            for group in groups {
                if let problem = GroupName.problem(with: group) { throw Refusal(.badRequest, "group \"\(group)\": \(problem)") }
            }
            streams = try authorizeReading(request, hub: hub, groups: groups)
            // Only now, authorised, may the request make the hub keep a broker and history.
            broker = try self.broker(hub).get()
            try await carry(groups, broker: broker)
        } catch let refusal as Refusal {
            return refusal.response(for: request.method, headers: corsHeaders(request))
        } catch {
            return Refusal(.internalServerError, "\(error)").response(for: request.method, headers: corsHeaders(request))
        }
        guard openStreams.claim(limit: options.maxStreams) else {
            return Refusal(
                .serviceUnavailable,
                "the service serves \(options.maxStreams) event streams, its limit (--max-sse-streams); try again later"
            ).response(for: request.method, headers: corsHeaders(request))
        }
        let lastEventId = request.headers[HTTPField.Name("Last-Event-ID")!] ?? query.get("last_event_id")
        // A broker retired for idleness between the lookup and now: the hub makes a new one, which
        // must carry the groups too; the reader is then unsubscribed from the broker it is on.
        var serving = broker
        var subscribed = broker.subscribe(to: streams, lastEventId: lastEventId)
        if subscribed == nil, let fresh = try? self.broker(hub).get(), (try? await carry(groups, broker: fresh)) != nil {
            serving = fresh
            subscribed = fresh.subscribe(to: streams, lastEventId: lastEventId)
        }
        guard let subscription = subscribed else {
            openStreams.release()
            return Refusal(.serviceUnavailable, "the hub's event stream was being reset; try again").response(for: request.method, headers: corsHeaders(request))
        }
        let servingBroker = serving

        var headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-cache",
        ]
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        if let replayFrom = subscription.replayFrom {
            headers[HTTPField.Name("X-PubSub-Replay-From")!] = String(replayFrom)
        }
        if subscription.lossReported {
            headers[HTTPField.Name("X-PubSub-Events-Lost")!] = "true"
        }
        headers.append(contentsOf: corsHeaders(request))
        let heartbeat = options.heartbeat
        let logger = self.logger
        logger.debug("SSE client", metadata: ["pubsub.hub": "\(hub)", "streams": "\(streams)", "lastEventId": "\(lastEventId ?? "-")"])
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { [openStreams] writer in
                defer {
                    servingBroker.unsubscribe(subscription)
                    openStreams.release()
                }
                // A client that goes away cancels the loop at once, not at the next write; a server
                // shutting down ends the stream (the server waits for open responses).
                try await withGracefulShutdownHandler {
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        try await withThrowingTaskGroup(of: Void.self) { tasks in
                            tasks.addTask {
                                while true {
                                    try await Task.sleep(for: heartbeat)
                                    _ = subscription.queue.enqueue(SSEEncoding.heartbeat)
                                }
                            }
                            defer { tasks.cancelAll() }
                            // The head goes out with this first write, so EventSource opens at once.
                            try await writer.write(ByteBuffer(string: ": connected\n\n"))
                            while let batch = await subscription.queue.takeAll() {
                                try await writer.write(contentsOf: batch)
                            }
                        }
                    }
                } onGracefulShutdown: {
                    subscription.queue.finish()
                }
                try await writer.finish(nil)
            }
        )
    }

    /// Makes the broker carry the groups a reader asks for: from now on, within ``Options/maxGroups``,
    /// joined where their messages come from.
    private func carry(_ groups: [String], broker: SSEBroker) async throws(Refusal) {
        for group in groups {
            switch broker.carry(group, limit: options.maxGroups) {
            case .already:
                continue
            case .full:
                throw Refusal(
                    .serviceUnavailable,
                    "this hub's event streams carry \(options.maxGroups) groups, the limit (--max-groups); "
                        + "try again once readers of other groups have left"
                )
            case .started:
                guard let join else { continue }
                do {
                    try await join(group)
                } catch {
                    broker.abandon(group)
                    throw Refusal(.badGateway, "group \"\(group)\" could not be joined upstream: \(error)")
                }
            }
        }
    }

    /// The streams a reader may have: server-wide messages and the groups asked for.
    func authorizeReading(_ request: Request, hub: String, groups: [String]) throws(Refusal) -> Set<SSEStream> {
        guard let compact = request.credentials.token else {
            let closed = groups.filter { !options.publicGroups.contains($0) }
            guard !groups.isEmpty, closed.isEmpty else {
                let what = closed.first.map { "group \"\($0)\"" } ?? "server-wide messages"
                throw Refusal(
                    .unauthorized,
                    "an access token is needed to read \(what): pass ?access_token=<token> or an Authorization: Bearer header "
                        + "(mint one with `pubsub token --hub \(hub) --role webpubsub.joinLeaveGroup.<group>`)"
                )
            }
            return Set(groups.map(SSEStream.group))
        }
        let grant: Grant
        do {
            grant = try authorizer.grant(compact, audience: audience(request, "/client/hubs/\(hub)"))
        } catch {
            throw Refusal(.unauthorized, "access token refused: \(error.message)")
        }
        let initial = Set(grant.groups)
        for group in groups where !options.publicGroups.contains(group) && !initial.contains(group) {
            guard grant.allows(.joinLeaveGroup, on: group) else {
                throw Refusal(
                    .forbidden,
                    "the token may not read group \"\(group)\": it needs the webpubsub.joinLeaveGroup.\(group) role "
                        + "(or a webpubsub.joinLeaveGroups pattern that matches it), or the group in its webpubsub.group claim"
                )
            }
        }
        return Set(groups.map(SSEStream.group) + [.server])
    }

    // MARK: POST /publish

    func publish(_ request: Request) async -> Response {
        let cors = corsHeaders(request)
        do {
            let hub = try resolveHub(request)
            let group = request.uri.queryParameters.get("group")
            if let group, let problem = GroupName.problem(with: group) {
                throw Refusal(.badRequest, "group \"\(group)\": \(problem)")
            }
            try authorizePublishing(request, hub: hub, group: group)
            // Authorised first: an anonymous publish must not make the hub keep a broker.
            _ = try broker(hub).get()
            let payload: Message
            do {
                payload = try await Message.read(from: request, limit: options.maxBodySize)
            } catch {
                throw Refusal(error.status, error.message)
            }
            do {
                try await relay(hub, group.map(SSEStream.group) ?? .server, payload.bytes, payload.type)
            } catch let error as PubSubError {
                throw Refusal(.badGateway, "the hub did not take the message: \(error.message)")
            }
            var headers = cors
            headers[.contentLength] = "0"
            return Response(status: .accepted, headers: headers)
        } catch let refusal as Refusal {
            return refusal.response(for: request.method, headers: cors)
        } catch {
            return Refusal(.badGateway, "the hub did not take the message: \(error)").response(for: request.method, headers: cors)
        }
    }

    /// A group send needs `webpubsub.sendToGroup` for the group; a server-wide one needs a service
    /// (REST) token for the hub, as the REST API would.
    func authorizePublishing(_ request: Request, hub: String, group: String?) throws(Refusal) {
        guard let compact = request.credentials.token else {
            throw Refusal(
                .unauthorized,
                "publishing needs an access token: pass ?access_token=<token> or an Authorization: Bearer header "
                    + "(mint one with `pubsub token --hub \(hub) --role webpubsub.sendToGroup.<group>`)"
            )
        }
        if (try? authorizer.grant(compact, audience: audience(request, "/api/hubs/\(hub)/:send"))) != nil {
            return  // a service token: anything in the hub
        }
        let grant: Grant
        do {
            grant = try authorizer.grant(compact, audience: audience(request, "/client/hubs/\(hub)"))
        } catch {
            throw Refusal(.unauthorized, "access token refused: \(error.message)")
        }
        guard let group else {
            throw Refusal(
                .forbidden,
                "a client token may publish to groups only (add ?group=<name>); server-wide messages need a service token for /api/hubs/\(hub)"
            )
        }
        guard grant.allows(.sendToGroup, on: group) else {
            throw Refusal(.forbidden, "the token may not publish to group \"\(group)\": it needs the webpubsub.sendToGroup.\(group) role")
        }
    }

    // MARK: Shared

    private func resolveHub(_ request: Request) throws(Refusal) -> String {
        guard let hub = request.uri.queryParameters.get("hub") ?? defaultHub else {
            throw Refusal(.badRequest, "name the hub: add ?hub=<hub>")
        }
        do {
            try HubName.validate(hub)
        } catch {
            throw Refusal(.badRequest, error.message)
        }
        return hub
    }

    private func preflight(_ request: Request) -> Response {
        var headers = corsHeaders(request)
        if !headers.isEmpty {
            headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
            headers[.accessControlAllowHeaders] = "Authorization, Content-Type, Last-Event-ID"
            headers[.accessControlMaxAge] = "600"
        }
        return Response(status: .noContent, headers: headers)
    }

    private func corsHeaders(_ request: Request) -> HTTPFields {
        guard let allowed = options.allowOrigin else { return [:] }
        var headers = HTTPFields()
        if allowed == "*" {
            headers[.accessControlAllowOrigin] = "*"
        } else if let origin = request.headers[.origin], origin == allowed {
            headers[.accessControlAllowOrigin] = origin
            headers[.vary] = "Origin"
        } else {
            return [:]
        }
        headers[.accessControlExposeHeaders] = "X-PubSub-Replay-From, X-PubSub-Events-Lost"
        return headers
    }
}
