import HTTPTypes
import Hummingbird
import NIOCore
import PubSubCore

/// A refusal renders itself: thrown from a Hummingbird handler it becomes its response.
extension Refusal: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(for: request.method)
    }

    /// The response: Azure's `ErrorDetail` JSON with `x-ms-error-code` (none for a HEAD), or the
    /// message as plain text; `extra` headers (CORS) are added.
    func response(for method: HTTPRequest.Method, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        switch format {
        case .errorDetail:
            headers[HTTPField.Name("x-ms-error-code")!] = code
            guard method != .head else { return Response(status: status, headers: headers) }
            headers[.contentType] = "application/json; charset=utf-8"
            let body = JSONValue.render(orderedObject: [("code", .string(code)), ("message", .string(message))])
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        case .text:
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
        }
    }
}
