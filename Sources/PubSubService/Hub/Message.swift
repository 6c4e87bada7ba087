import Foundation
import Hummingbird
import NIOCore
import PubSubCore

/// A published message, the one form it has from the edge to the socket: its data type and its
/// bytes, exactly as the publisher sent them. JSON is the publisher's text as written (a REST body,
/// a client's `data` member, an event handler's answer), text its UTF-8, binary and protobuf the
/// raw bytes. ``PublicationFrames`` frames it once per publish and encoding; SSE and the trace read the same bytes.
struct Message: Sendable {
    let type: MessageDataType
    /// The bytes (a slice of the buffer they arrived in where possible: no copy).
    let bytes: ByteBuffer

    init(type: MessageDataType, bytes: ByteBuffer) {
        self.type = type
        self.bytes = bytes
    }

    /// Text, as its UTF-8.
    static func text(_ text: String) -> Message { Message(type: .text, bytes: ByteBuffer(string: text)) }

    /// JSON text the caller has validated.
    static func json(_ text: String) -> Message { Message(type: .json, bytes: ByteBuffer(string: text)) }

    static func binary(_ bytes: ByteBuffer) -> Message { Message(type: .binary, bytes: bytes) }

    /// The size in bytes.
    var byteCount: Int { bytes.readableBytes }

    /// The bytes as text (text and JSON are UTF-8; only trace and logs read them so).
    var text: String { String(buffer: bytes) }

    /// A client request's `data`. JSON is taken from `frame` as the client wrote it when its span can
    /// be found (``JSONSpan``); text and binary are decoded from their JSON forms.
    init(_ data: MessageData, in frame: ByteBuffer? = nil) {
        switch data {
        case .text(let text):
            self.init(type: .text, bytes: ByteBuffer(string: text))
        case .json(let value):
            if let frame,
                let span = frame.withUnsafeReadableBytes({ JSONSpan.member("data", in: $0) }),
                let slice = frame.getSlice(at: frame.readerIndex + span.lowerBound, length: span.count)
            {
                self.init(type: .json, bytes: slice)
            } else {
                self.init(type: .json, bytes: ByteBuffer(string: value.compactJSONString()))
            }
        case .binary(let bytes):
            self.init(type: .binary, bytes: ByteBuffer(bytes: bytes))
        case .protobuf(let bytes):
            self.init(type: .protobuf, bytes: ByteBuffer(bytes: bytes))
        }
    }

    /// What a body is by its Content-Type. `strict` (REST sends, SSE `POST /publish`): exactly
    /// text/plain, application/json (or text/json), application/octet-stream or none, else nil (a
    /// 415). Otherwise (an event handler's answer, §8.7): application/json… JSON, text/… text,
    /// anything else binary.
    static func dataType(contentType: String?, strict: Bool) -> MessageDataType? {
        let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard strict else {
            guard let type else { return .binary }
            if type.hasPrefix("application/json") { return .json }
            return type.hasPrefix("text/") ? .text : .binary
        }
        switch type {
        case "text/plain": return .text
        case "application/json", "text/json": return .json
        case "application/octet-stream", nil: return .binary
        default: return nil
        }
    }

    /// Checks that text is UTF-8 and JSON parses.
    static func validate(_ bytes: ByteBuffer, as type: MessageDataType) -> Bool {
        switch type {
        case .text:
            return String(validating: bytes.readableBytesView, as: UTF8.self) != nil
        case .json:
            return bytes.withUnsafeReadableBytes { raw in
                guard let base = raw.baseAddress, raw.count > 0 else { return false }
                // Parsed where it lies (no copy into Data).
                let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: raw.count, deallocator: .none)
                return (try? JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)) != nil
            }
        case .binary, .protobuf:
            return true
        }
    }

    /// A REST request's body as a message, typed by its Content-Type (text/plain, application/json
    /// validated, application/octet-stream or none: binary).
    static func read(from request: Request, limit: Int) async throws(Refusal) -> Message {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch {
            throw Refusal(.contentTooLarge, "PayloadTooLarge", "the message is larger than \(limit) bytes")
        }
        let contentType = request.headers[.contentType]
        guard let type = dataType(contentType: contentType, strict: true) else {
            throw Refusal(
                .unsupportedMediaType,
                "UnsupportedMediaType",
                "Content-Type '\(contentType ?? "")' is not supported; use text/plain, application/json or application/octet-stream"
            )
        }
        guard validate(body, as: type) else {
            throw Refusal(
                .badRequest,
                "InvalidPayload",
                type == .json ? "the body is not valid JSON but Content-Type is application/json" : "a text/plain body must be UTF-8"
            )
        }
        return Message(type: type, bytes: body)
    }
}
