import Foundation
import NIOCore
import PubSubCore

/// A payload as published, before it is framed.
enum Payload: Sendable {
    case text(String)
    /// JSON kept as the publisher's text (already validated), so numbers and key order survive.
    case json(String)
    case binary(ByteBuffer)

    /// The payload's size in bytes (text as UTF-8).
    var byteCount: Int {
        switch self {
        case .text(let text), .json(let text): return text.utf8.count
        case .binary(let bytes): return bytes.readableBytes
        }
    }

    var dataType: MessageDataType {
        switch self {
        case .text: return .text
        case .json: return .json
        case .binary: return .binary
        }
    }

    /// From a client's `sendToGroup` data.
    init(_ data: MessageData) {
        switch data {
        case .text(let text): self = .text(text)
        case .json(let value): self = .json(value.compactJSONString())
        case .binary(let bytes), .protobuf(let bytes): self = .binary(ByteBuffer(bytes: bytes))
        }
    }
}

/// One published message, framed once for every kind of recipient: the JSON protocol's frame (and
/// its tail, to which a reliable connection prepends its own `sequenceId`), and a simple client's
/// raw frame. Recipients share these buffers; nothing is encoded per recipient except the
/// sequence-id prefix on reliable connections.
struct PreparedMessage: Sendable {
    enum Source: Sendable {
        case group(String, fromUserId: String?)
        case server
    }

    /// `{"type":"message",…}` for json.webpubsub.azure.v1.
    let jsonFrame: ByteBuffer
    /// `"type":"message",…}`: a reliable connection writes `{"sequenceId":N,` before it.
    let jsonTail: ByteBuffer
    /// What a simple WebSocket client receives: text, or binary for binary payloads.
    let simpleFrame: OutboundFrame
    /// REST `messageTtlSeconds`: a recipient that has not been sent the message by then skips it.
    var deadline: ContinuousClock.Instant?

    init(source: Source, payload: Payload, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        var tail = #""type":"message","#
        switch source {
        case .group(let group, let fromUserId):
            tail += #""from":"group","group":"# + JSONValue.string(group).compactJSONString()
            if let fromUserId { tail += #","fromUserId":"# + JSONValue.string(fromUserId).compactJSONString() }
            tail += ","
        case .server:
            tail += #""from":"server","#
        }
        tail += #""dataType":""# + payload.dataType.rawValue + #"","data":"#
        switch payload {
        case .text(let text): tail += JSONValue.string(text).compactJSONString()
        case .json(let json): tail += json
        case .binary(let bytes): tail += "\"" + Data(bytes.readableBytesView).base64EncodedString() + "\""
        }
        tail += "}"
        jsonTail = allocator.buffer(string: tail)
        var frame = allocator.buffer(capacity: tail.utf8.count + 1)
        frame.writeStaticString("{")
        frame.writeString(tail)
        jsonFrame = frame
        switch payload {
        case .text(let text), .json(let text): simpleFrame = .text(allocator.buffer(string: text))
        case .binary(let bytes): simpleFrame = .binary(bytes)
        }
    }
}

/// A frame waiting in a connection's outbound queue.
struct QueuedFrame: Sendable {
    let frame: OutboundFrame
    /// Past this instant the frame is dropped instead of sent (`messageTtlSeconds`).
    var deadline: ContinuousClock.Instant?

    var isExpired: Bool { deadline.map { $0 < .now } ?? false }
}
