import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PubSubCore
import ServiceLifecycle

/// `GET /trace`: the live trace as Server-Sent Events, one JSON record per event (`id:` and
/// `data:`), for `pubsub trace` or any EventSource.
///
/// The request needs a token signed with an access key whose `role` claim holds `pubsub.trace` and
/// whose `aud` names `<endpoint>/trace` (``TokenMinter/traceToken(lifetime:now:)``). Filters, all
/// repeatable: `hub`, `group`, `user`, `connection`, `kind` (comma-separated too; `deliver` adds
/// per-delivery records); `payload=<bytes>` adds message bodies cut at that size. `Last-Event-ID`
/// (or `last_event_id`) resumes from the service's trace history.
struct TraceEndpoint: Sendable {
    let tracer: Tracer
    let authorizer: Authorizer
    let address: ListeningAddress
    let heartbeat: Duration
    let logger: Logger

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/trace") { request, _ in self.stream(request) }
    }

    func stream(_ request: Request) -> Response {
        let filter: Tracer.Filter
        let lastEventId: UInt64?
        do {
            try authorize(request)
            filter = try Self.filter(request.uri.queryParameters)
            let resume = request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.uri.queryParameters.get("last_event_id")
            if let resume {
                guard let id = UInt64(resume) else { throw Refusal(.badRequest, "Last-Event-ID \"\(resume)\" is not a trace event id") }
                lastEventId = id
            } else {
                lastEventId = nil
            }
        } catch let refusal as Refusal {
            return refusal.response(for: request.method)
        } catch {
            return Refusal(.internalServerError, "\(error)").response(for: request.method)
        }
        let tracer = self.tracer
        let heartbeat = self.heartbeat
        let subscription = tracer.subscribe(filter, lastEventId: lastEventId)
        logger.debug("trace client", metadata: ["filter": "\(filter)"])
        var headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"]
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                defer { tracer.unsubscribe(subscription) }
                try await withGracefulShutdownHandler {
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        try await withThrowingTaskGroup(of: Void.self) { tasks in
                            tasks.addTask {
                                while true {
                                    try await Task.sleep(for: heartbeat)
                                    _ = subscription.queue.enqueue(.heartbeat, overLimit: true)
                                }
                            }
                            defer { tasks.cancelAll() }
                            try await writer.write(ByteBuffer(string: ": connected\n\n"))
                            while let batch = await subscription.queue.takeAll() {
                                var buffer = ByteBuffer()
                                for item in batch {
                                    switch item {
                                    case .record(let record): Self.encode(record, filter: filter, into: &buffer)
                                    case .heartbeat: buffer.writeStaticString(": heartbeat\n\n")
                                    }
                                }
                                if let marker = tracer.takeMissed(subscription) { Self.encode(marker, filter: filter, into: &buffer) }
                                try await writer.write(buffer)
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

    /// `id: N` and one `data:` line (compact JSON has no line breaks).
    static func encode(_ record: TraceRecord, filter: Tracer.Filter, into buffer: inout ByteBuffer) {
        if record.id > 0 {
            buffer.writeStaticString("id: ")
            buffer.writeString(String(record.id))
            buffer.writeStaticString("\n")
        }
        buffer.writeStaticString("data: ")
        buffer.writeString(record.json(payloadLimit: filter.payloadLimit))
        buffer.writeStaticString("\n\n")
    }

    private func authorize(_ request: Request) throws {
        guard let compact = request.credentials.token else {
            throw Refusal(
                .unauthorized,
                "the live trace needs a token with the \(TokenMinter.traceRole) role: `pubsub trace` mints one from the connection string"
            )
        }
        let grant: Grant
        do {
            grant = try authorizer.grant(compact, audience: address.audience(for: request, path: "/trace"))
        } catch {
            throw Refusal(.unauthorized, "trace token refused: \(error.message)")
        }
        guard grant.has(role: TokenMinter.traceRole) else {
            throw Refusal(.forbidden, "the token lacks the \(TokenMinter.traceRole) role that the live trace needs")
        }
    }

    static func filter(_ query: Parameters) throws -> Tracer.Filter {
        var filter = Tracer.Filter()
        for hub in query.getAll("hub") {
            do { try HubName.validate(hub) } catch { throw Refusal(.badRequest, "hub: \(error.message)") }
            filter.hubs.insert(HubRegistry.key(hub))
        }
        for group in query.getAll("group") {
            if let problem = GroupName.problem(with: group) { throw Refusal(.badRequest, "group \"\(group)\": \(problem)") }
            filter.groups.insert(group)
        }
        filter.users = Set(query.getAll("user"))
        filter.connections = Set(query.getAll("connection"))
        let kinds = query.getAll("kind").flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        if !kinds.isEmpty {
            filter.kinds = []
            for name in kinds {
                guard let kind = TraceKind(rawValue: name) else {
                    throw Refusal(
                        .badRequest,
                        "kind \"\(name)\" is not one of \(TraceKind.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                filter.kinds.insert(kind)
            }
        }
        if let text = query.get("payload") {
            guard let limit = Int(text), limit >= 0 else {
                throw Refusal(.badRequest, "payload=\(text): give the largest payload to show, in bytes")
            }
            filter.payloadLimit = limit
        }
        return filter
    }
}
