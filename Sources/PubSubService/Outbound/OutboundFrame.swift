import NIOCore
import NIOWebSocket
import PubSubCore

/// What a connection's writer sends.
enum OutboundFrame: Sendable {
    case text(ByteBuffer)
    case binary(ByteBuffer)
    /// A reliable connection's message: `{"sequenceId":N,` followed by the shared tail. The prefix is
    /// made by the connection's writer, so a publish allocates nothing per recipient.
    case sequenced(sequenceId: UInt64, tail: ByteBuffer)
    /// A text frame encoded once for all its recipients (``Framing/encodedText(_:)``): `wire` is
    /// header and payload as they go on the wire, written below the frame encoder; `payload` is
    /// the same bytes without the header, for a pipeline without one.
    case encoded(wire: ByteBuffer, payload: ByteBuffer)

    /// The bytes the frame carries (its payload), for the outbound queue's byte limit.
    var byteCount: Int {
        switch self {
        case .text(let buffer), .binary(let buffer), .encoded(_, let buffer): return buffer.readableBytes
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
        case .text(let buffer), .encoded(_, let buffer): return WebSocketFrame(fin: true, opcode: .text, data: buffer)
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
