import Foundation
import Hummingbird
import NIOCore
import PubSubCore

extension Payload {
    /// A REST request's body as a payload, typed by its Content-Type (text/plain, application/json
    /// validated, application/octet-stream or none: binary).
    static func read(from request: Request, limit: Int) async throws(Refusal) -> Payload {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch {
            throw Refusal(
                .contentTooLarge,
                "PayloadTooLarge",
                "the message is larger than \(limit) bytes"
            )
        }
        let contentType = request.headers[.contentType]?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        switch contentType {
        case "text/plain":
            guard let text = body.getString(at: body.readerIndex, length: body.readableBytes),
                String(validating: body.readableBytesView, as: UTF8.self) != nil
            else {
                throw Refusal(.badRequest, "InvalidPayload", "a text/plain body must be UTF-8")
            }
            return .text(text)
        case "application/json", "text/json":
            guard (try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))) != nil else {
                throw Refusal(.badRequest, "InvalidPayload", "the body is not valid JSON but Content-Type is application/json")
            }
            return .json(String(buffer: body))
        case "application/octet-stream", nil:
            return .binary(body)
        case let other?:
            throw Refusal(
                .unsupportedMediaType,
                "UnsupportedMediaType",
                "Content-Type '\(other)' is not supported; use text/plain, application/json or application/octet-stream"
            )
        }
    }
}
