import NIOCore
import NIOWebSocket
import PubSubCore

/// Every WebSocket frame the service sends is made here: data frames from the outbound queue,
/// control frames (ping, pong, close), and the one ping encoded below NIO's frame encoder. What goes
/// inside a data frame (a subprotocol's message) is ``PublicationFrames``' and ``ControlMessage``'s.
enum Framing {
    /// A ping with no payload as it goes on the wire (RFC 6455 §5.2: FIN and opcode 0x9, then an
    /// unmasked length of 0), made once: every ping writes this shared buffer below the session's
    /// frame encoder (no allocation, one write). A test checks it against NIO's encoder.
    static let encodedPing: ByteBuffer = ByteBuffer(bytes: [0x89, 0x00])

    /// Room to leave in front of a payload for its frame header (RFC 6455 §5.2: 2, 4 or 10 bytes
    /// for a server's unmasked frame).
    static let headerRoom = 10

    /// Turns `buffer`, a payload written with ``headerRoom`` bytes free in front of its reader
    /// index, into a final text frame as it goes on the wire, in place (the header goes into that
    /// room, nothing is copied); returns the payload alone, a slice of the same storage.
    static func encodeText(_ buffer: inout ByteBuffer) -> ByteBuffer {
        let length = buffer.readableBytes
        let payloadStart = buffer.readerIndex
        // FIN and the text opcode, then a 7-bit length, or 126 and 16 bits, or 127 and 64 bits.
        let (headerSize, lengthByte): (Int, UInt8) = length < 126 ? (2, UInt8(length)) : length <= 0xFFFF ? (4, 126) : (10, 127)
        guard payloadStart >= headerSize else {
            // No room (not made by a caller that left it): a copy with its header.
            let payload = buffer
            var copy = ByteBufferAllocator().buffer(capacity: headerSize + length)
            copy.writeInteger(UInt8(0x81))
            copy.writeInteger(lengthByte)
            if headerSize == 4 { copy.writeInteger(UInt16(length)) }
            if headerSize == 10 { copy.writeInteger(UInt64(length)) }
            copy.writeImmutableBuffer(payload)
            buffer = copy
            return payload
        }
        let start = payloadStart - headerSize
        buffer.setInteger(UInt8(0x81), at: start)
        buffer.setInteger(lengthByte, at: start + 1)
        if headerSize == 4 { buffer.setInteger(UInt16(length), at: start + 2) }
        if headerSize == 10 { buffer.setInteger(UInt64(length), at: start + 2) }
        buffer.moveReaderIndex(to: start)
        // Sliced after the header is written: before, the slice would share the storage and the
        // writes would copy it.
        return buffer.getSlice(at: payloadStart, length: length) ?? buffer
    }

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
