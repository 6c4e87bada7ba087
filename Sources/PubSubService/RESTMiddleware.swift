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
    let verifier: TokenVerifier
    let keys: [String]
    let address: ListeningAddress
    let logger: Logger

    static var supportedAPIVersions: Set<String> {
        [
            "2020-10-01", "2021-01-01", "2021-05-01-preview", "2021-08-01-preview", "2021-10-01",
            "2022-10-01-preview", "2022-11-01", "2023-07-01", "2024-01-01", "2024-12-01",
        ]
    }

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
    private func trace(_ request: Request, status: HTTPResponse.Status, failure: RESTFailure?, recipients: Int?, since start: ContinuousClock.Instant) {
        registry.tracer.record {
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

    private func respond(to request: Request, recipients: inout Int?) async throws(RESTFailure) -> Response {
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        if segments == ["api", "health"] {
            guard request.method == .head || request.method == .get else { throw .methodNotAllowed }
            return Response(status: .ok)
        }
        guard segments.count >= 4, segments[0] == "api", segments[1] == "hubs" else {
            throw RESTFailure(.notFound, "NotFound", "no such API: \(request.uri.path)")
        }
        try authenticate(request)
        if let version = request.uri.queryParameters.get("api-version"),
            !Self.supportedAPIVersions.contains(version)
        {
            throw RESTFailure(
                .badRequest,
                "InvalidApiVersion",
                "api-version '\(version)' is not supported; use 2024-01-01 or 2024-12-01"
            )
        }
        let hub = segments[2]
        do {
            try HubName.validate(hub)
        } catch {
            throw RESTFailure(.badRequest, "InvalidHubName", error.message)
        }
        var operation = RESTOperation(registry: registry, request: request, hub: hub, keys: keys, logger: logger)
        defer { recipients = operation.recipients }
        return try await operation.dispatch(Array(segments.dropFirst(3)))
    }

    private func authenticate(_ request: Request) throws(RESTFailure) {
        guard let header = request.headers[.authorization] else {
            throw RESTFailure(.unauthorized, "Unauthorized", "no Authorization header: send Authorization: Bearer <token signed with the AccessKey>")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw RESTFailure(.unauthorized, "Unauthorized", "the Authorization header is not 'Bearer <token>'")
        }
        do {
            _ = try verifier.verify(String(parts[1]), audience: address.audience(for: request, path: request.uri.path))
        } catch {
            throw RESTFailure(.unauthorized, "Unauthorized", error.message)
        }
    }
}

/// A REST error: status, `code` (also `x-ms-error-code`) and message, as an `ErrorDetail` body.
struct RESTFailure: Error {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static let methodNotAllowed = RESTFailure(.methodNotAllowed, "MethodNotAllowed", "this path does not take that method")

    func response(for method: HTTPRequest.Method) -> Response {
        var headers = HTTPFields()
        headers[HTTPField.Name("x-ms-error-code")!] = code
        guard method != .head else { return Response(status: status, headers: headers) }
        headers[.contentType] = "application/json; charset=utf-8"
        let body = JSONValue.render(orderedObject: [("code", .string(code)), ("message", .string(message))])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
