import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PubSubCore

/// The REST data plane (protocol reference §7) under `/api`: JWT auth on every call, JSON errors
/// with `x-ms-error-code`, and the operations of api-versions 2024-01-01 and 2024-12-01.
///
/// Routing is done here on the raw path because the operation names start with `:` (which
/// Hummingbird's router reads as a parameter) and group, user and connection names arrive
/// percent-encoded (`%2F` must not split a segment).
struct RESTMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: HubRegistry
    let context: ServiceContext
    let authorizer: Authorizer
    let address: ListeningAddress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path == "/api" || path.hasPrefix("/api/") else { return try await next(request, context) }
        let start = ContinuousClock.now
        var recipients: Int?
        do {
            let response = try await respond(to: request, recipients: &recipients)
            trace(request, status: response.status, failure: nil, recipients: recipients, since: start)
            return response
        } catch {
            trace(request, status: error.status, failure: error, recipients: nil, since: start)
            return error.response(for: request.method)
        }
    }

    /// The `rest` record: method, path, status, latency; the hub and the group, user or connection
    /// the path names; for sends, the recipients.
    private func trace(_ request: Request, status: HTTPResponse.Status, failure: Refusal?, recipients: Int?, since start: ContinuousClock.Instant) {
        context.tracer.record {
            let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).map {
                String($0).removingPercentEncoding ?? String($0)
            }
            var record = TraceRecord(.rest)
            if segments.count >= 3, segments[1] == "hubs" { record.hub = HubRegistry.key(segments[2]) }
            // /api/hubs/h/{groups|users|connections}/x[/{connections|groups}/y]
            let names = Array(segments.dropFirst(3))
            for index in stride(from: 0, to: names.count - 1, by: 2) {
                switch names[index] {
                case "groups": record.group = names[index + 1]
                case "users": record.userId = names[index + 1]
                case "connections": record.connectionId = names[index + 1]
                default: break
                }
            }
            record.details = [
                ("method", .string(request.method.rawValue)), ("path", .string(request.uri.path)),
                ("status", .integer(Int64(status.code))), ("latencyMs", TraceRecord.milliseconds(since: start)),
            ]
            if let recipients { record.details.append(("recipients", .integer(Int64(recipients)))) }
            if let failure { record.details += [("error", .string(failure.code)), ("message", .string(failure.message))] }
            return record
        }
    }

    private func respond(to request: Request, recipients: inout Int?) async throws(Refusal) -> Response {
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        if segments == ["api", "health"] {
            guard request.method == .head || request.method == .get else { throw .methodNotAllowed }
            return Response(status: .ok)
        }
        guard segments.count >= 4, segments[0] == "api", segments[1] == "hubs" else {
            throw Refusal(.notFound, "NotFound", "no such API: \(request.uri.path)")
        }
        try authenticate(request)
        // The query is read once, here, and handed to the operation.
        let parameters = RESTParameters(request.query)
        try parameters.checkAPIVersion()
        let hub = segments[2]
        do {
            try HubName.validate(hub)
        } catch {
            throw Refusal(.badRequest, "InvalidHubName", error.message)
        }
        var operation = RESTOperation(registry: registry, context: context, request: request, hub: hub, parameters: parameters)
        defer { recipients = operation.recipients }
        return try await operation.dispatch(Array(segments.dropFirst(3)))
    }

    private func authenticate(_ request: Request) throws(Refusal) {
        guard let header = request.headers[.authorization] else {
            throw Refusal(.unauthorized, "Unauthorized", "no Authorization header: send Authorization: Bearer <token signed with the AccessKey>")
        }
        guard let token = Credentials.bearerToken(header) else {
            throw Refusal(.unauthorized, "Unauthorized", "the Authorization header is not 'Bearer <token>'")
        }
        do {
            _ = try authorizer.grant(token, audience: address.audience(for: request, path: request.uri.path))
        } catch {
            throw Refusal(.unauthorized, "Unauthorized", error.message)
        }
    }
}
