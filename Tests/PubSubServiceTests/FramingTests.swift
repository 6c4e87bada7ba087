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

    @Test(
        "a publish is framed once in the protocol's exact shapes; text is escaped, JSON kept as written, bytes in base64",
        arguments: [
            (Publication.Source.group("room1", fromUserId: "alice"), Message.json(#"{"x": [1,2]}"#),
                #"{"type":"message","from":"group","group":"room1","fromUserId":"alice","dataType":"json","data":{"x": [1,2]}}"#),
            (.server, .text("Hello"), #"{"type":"message","from":"server","dataType":"text","data":"Hello"}"#),
            (.server, .binary(ByteBuffer(bytes: [0, 1, 0xFE, 0xFF])), #"{"type":"message","from":"server","dataType":"binary","data":"AAH+/w=="}"#),
            (.group("g", fromUserId: nil), .text("line1\nline2 \"q\" ✓ /"),
                #"{"type":"message","from":"group","group":"g","dataType":"text","data":"line1\nline2 \"q\" ✓ /"}"#),
        ]
    )
    func prepared(source: Publication.Source, message: Message, json: String) throws {
        let frames = PublicationFrames(
            Publication(hub: "h", origin: .rest, target: .hub, payload: message, source: source),
            formats: [WireFormats(.json), WireFormats(.simple)]
        )
        let prepared = try #require(frames.json)
        #expect(String(buffer: prepared.jsonFrame) == json)
        // A reliable connection's frame: its sequence id, then the same bytes after the "{".
        let reliable = try Self.encoded(OutboundFrame.sequenced(sequenceId: 7, tail: prepared.jsonTail).webSocketFrame)
        #expect(String(decoding: reliable.dropFirst(reliable[1] == 126 ? 4 : 2), as: UTF8.self) == #"{"sequenceId":7,"# + json.dropFirst())
        // A simple client gets the message's own bytes.
        switch frames.simple {
        case .text(let bytes), .binary(let bytes): #expect(bytes == message.bytes)
        case .sequenced, .encoded, nil: Issue.record("a simple frame is the message's bytes")
        }
        // A json.webpubsub.azure.v1 recipient is sent the frame encoded once, exactly NIO's bytes.
        guard case .encoded(let wire, let payload) = prepared.encodedJSONFrame else {
            Issue.record("the JSON frame is not pre-encoded")
            return
        }
        #expect(payload == prepared.jsonFrame)
        #expect(Array(wire.readableBytesView) == (try Self.encoded(WebSocketFrame(fin: true, opcode: .text, data: prepared.jsonFrame))))
    }

    @Test("a text frame encoded in place is NIO's bytes, at every header size, with room in front or without", arguments: [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
    func encodedInPlace(length: Int) throws {
        let text = String(repeating: "a", count: length)
        let expected = try Self.encoded(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
        var roomy = ByteBufferAllocator().buffer(capacity: Framing.headerRoom + length)
        roomy.moveWriterIndex(forwardBy: Framing.headerRoom)
        roomy.moveReaderIndex(forwardBy: Framing.headerRoom)
        roomy.writeString(text)
        let payload = Framing.encodeText(&roomy)
        #expect(Array(roomy.readableBytesView) == expected)
        #expect(String(buffer: payload) == text)
        var cramped = ByteBuffer(string: text)
        let alone = Framing.encodeText(&cramped)
        #expect(Array(cramped.readableBytesView) == expected)
        #expect(String(buffer: alone) == text)
    }
}
