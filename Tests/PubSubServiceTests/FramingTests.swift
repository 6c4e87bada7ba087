import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import PubSubService

@Suite("Framing")
struct FramingTests {
    /// What NIO's frame encoder writes for `frame`.
    static func encoded(_ frame: WebSocketFrame) throws -> [UInt8] {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        try channel.writeOutbound(frame)
        var bytes: [UInt8] = []
        while var part = try channel.readOutbound(as: ByteBuffer.self) {
            bytes += part.readBytes(length: part.readableBytes) ?? []
        }
        _ = try channel.finish()
        return bytes
    }

    @Test("the pre-encoded ping is the bytes NIO's encoder writes for a ping")
    func ping() throws {
        #expect(Array(Framing.encodedPing.readableBytesView) == (try Self.encoded(Framing.ping)))
    }

    @Test("a close reason longer than a control frame holds is cut at a character, after the code")
    func close() throws {
        let frame = Framing.close(.normalClosure, reason: String(repeating: "é", count: 100), allocator: ByteBufferAllocator())
        #expect(frame.opcode == .connectionClose && frame.data.readableBytes == 2 + 122)
        let bytes = try Self.encoded(frame)
        #expect(bytes[0] == 0x88 && Int(bytes[1]) == 124, "an unmasked control frame within 125 bytes")
    }

    @Test("a reliable frame is the sequence-id prefix followed by the shared tail")
    func sequenced() throws {
        let frame = OutboundFrame.sequenced(sequenceId: 42, tail: ByteBuffer(string: #""type":"message"}"#)).webSocketFrame
        let bytes = try Self.encoded(frame)
        #expect(String(decoding: bytes.dropFirst(2), as: UTF8.self) == #"{"sequenceId":42,"type":"message"}"#)
    }
}
