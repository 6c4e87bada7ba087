import NIOCore
import NIOWebSocket
import PubSubCore

/// Every WebSocket frame the service sends is made here: data frames from the outbound queue,
/// control frames (ping, pong, close), and the one ping encoded below NIO's frame encoder. What goes
/// inside a data frame (a subprotocol's message) is ``PreparedMessage``'s and ``ControlMessage``'s.
enum Framing {
    /// A ping with no payload as it goes on the wire (RFC 6455 §5.2: FIN and opcode 0x9, then an
    /// unmasked length of 0), made once: every ping writes this shared buffer below the session's
    /// frame encoder (no allocation, one write). A test checks it against NIO's encoder.
    static let encodedPing: ByteBuffer = ByteBuffer(bytes: [0x89, 0x00])

    /// A ping with no payload, for a pipeline where the encoded one cannot be written below the encoder.
    static let ping = WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())

    /// The answer to a client's ping, with its data (RFC 6455 §5.5.3).
    static func pong(_ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .pong, data: data)
    }

    /// A close frame; the reason is cut to fit a control frame (125 bytes, RFC 6455 §5.5) at a
    /// character boundary.
    static func close(_ code: WebSocketErrorCode, reason: String?, allocator: ByteBufferAllocator) -> WebSocketFrame {
        let bytes = Array((reason ?? "").utf8)
        var end = min(bytes.count, 123)
        while end < bytes.count, end > 0, UTF8.isContinuation(bytes[end]) { end -= 1 }
        var data = allocator.buffer(capacity: 2 + end)
        data.write(webSocketErrorCode: code)
        data.writeBytes(bytes[..<end])
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }
}

/// What a connection's writer sends.
enum OutboundFrame: Sendable {
    case text(ByteBuffer)
    case binary(ByteBuffer)
    /// A reliable connection's message: `{"sequenceId":N,` followed by the shared tail. The prefix is
    /// made by the connection's writer, so a publish allocates nothing per recipient.
    case sequenced(sequenceId: UInt64, tail: ByteBuffer)

    /// The bytes the frame carries (its payload), for the outbound queue's byte limit.
    var byteCount: Int {
        switch self {
        case .text(let buffer), .binary(let buffer): return buffer.readableBytes
        // The prefix is at most 36 bytes.
        case .sequenced(_, let tail): return tail.readableBytes + 36
        }
    }

    /// A JSON protocol message as a text frame.
    static func message(_ message: ControlMessage) -> OutboundFrame {
        .text(ByteBuffer(string: message.encoded()))
    }
}

extension OutboundFrame {
    var webSocketFrame: WebSocketFrame {
        switch self {
        case .text(let buffer): return WebSocketFrame(fin: true, opcode: .text, data: buffer)
        case .binary(let buffer): return WebSocketFrame(fin: true, opcode: .binary, data: buffer)
        case .sequenced(let sequenceId, let tail):
            // The prefix goes out as the frame's "extension data", written just before the shared
            // tail; room is left in front of it so the encoder can prepend the frame header in place.
            let headerRoom = 14
            var prefix = ByteBuffer()
            prefix.reserveCapacity(headerRoom + 36)
            prefix.moveWriterIndex(forwardBy: headerRoom)
            prefix.moveReaderIndex(forwardBy: headerRoom)
            prefix.writeStaticString(#"{"sequenceId":"#)
            prefix.writeString(String(sequenceId))
            prefix.writeStaticString(",")
            return WebSocketFrame(fin: true, opcode: .text, data: tail, extensionData: prefix)
        }
    }
}
