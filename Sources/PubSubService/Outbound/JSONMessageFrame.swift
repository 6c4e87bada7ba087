import Foundation
import NIOCore
import PubSubCore

/// A published message in the JSON subprotocols' encoding, framed once for all of their
/// recipients: the `{"type":"message",…}` frame, whose bytes after the `{` a reliable connection
/// sends behind its own `{"sequenceId":N,` (a slice, not a copy). Recipients share these buffers;
/// the only copy of the payload is into the frame (escaped for text, base64 for binary).
struct JSONMessageFrame: Sendable {
    /// `{"type":"message",…}` for json.webpubsub.azure.v1.
    let jsonFrame: ByteBuffer
    /// The same frame as it goes on the wire (WebSocket header in front, same storage): what a
    /// json.webpubsub.azure.v1 recipient's socket is sent, one shared buffer for all of them.
    let encodedJSONFrame: OutboundFrame

    /// `"type":"message",…}`: the frame after its `{`, which a reliable connection writes behind
    /// `{"sequenceId":N,`. A slice of ``jsonFrame`` (the same storage).
    let jsonTail: ByteBuffer

    init(source: Publication.Source, message: Message, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        var frame = allocator.buffer(capacity: Framing.headerRoom + 96 + Self.encodedSize(message))
        frame.moveWriterIndex(forwardBy: Framing.headerRoom)
        frame.moveReaderIndex(forwardBy: Framing.headerRoom)
        frame.writeStaticString(#"{"type":"message","#)
        switch source {
        case .group(let group, let fromUserId):
            frame.writeStaticString(#""from":"group","group":"#)
            frame.writeString(JSONValue.string(group).compactJSONString())
            if let fromUserId {
                frame.writeStaticString(#","fromUserId":"#)
                frame.writeString(JSONValue.string(fromUserId).compactJSONString())
            }
            frame.writeStaticString(",")
        case .server:
            frame.writeStaticString(#""from":"server","#)
        }
        frame.writeStaticString(#""dataType":""#)
        frame.writeString(message.type.rawValue)
        frame.writeStaticString(#"","data":"#)
        Self.writeData(message, into: &frame)
        frame.writeStaticString("}")
        let payload = Framing.encodeText(&frame)
        encodedJSONFrame = .encoded(wire: frame, payload: payload)
        jsonFrame = payload
        jsonTail = payload.getSlice(at: payload.readerIndex + 1, length: payload.readableBytes - 1) ?? payload
    }

    /// An upper bound on the `data` member's size, to allocate the frame once.
    private static func encodedSize(_ message: Message) -> Int {
        switch message.type {
        case .json: return message.byteCount
        // Escapes may grow it; the buffer grows if so.
        case .text: return message.byteCount + 2
        case .binary, .protobuf: return (message.byteCount + 2) / 3 * 4 + 2
        }
    }

    /// The `data` member: JSON as the publisher wrote it, text as a JSON string, bytes as base64.
    private static func writeData(_ message: Message, into frame: inout ByteBuffer) {
        switch message.type {
        case .json:
            var bytes = message.bytes
            frame.writeBuffer(&bytes)
        case .text:
            if message.bytes.readableBytesView.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 != 0x7F }) {
                frame.writeStaticString("\"")
                var bytes = message.bytes
                frame.writeBuffer(&bytes)
                frame.writeStaticString("\"")
            } else {
                frame.writeString(JSONValue.string(message.text).compactJSONString())
            }
        case .binary, .protobuf:
            let encoded = message.bytes.withUnsafeReadableBytes { Data($0).base64EncodedData() }
            frame.writeStaticString("\"")
            frame.writeBytes(encoded)
            frame.writeStaticString("\"")
        }
    }
}
