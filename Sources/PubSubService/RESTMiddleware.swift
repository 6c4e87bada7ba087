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
        do {
            return try await respond(to: request)
        } catch {
            return error.response(for: request.method)
        }
    }

    private func respond(to request: Request) async throws(RESTFailure) -> Response {
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
