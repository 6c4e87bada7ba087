import NIOCore
import PubSubBenchWire
import PubSubCore
import Testing

@testable import PubSubBench

@Suite("bench: raw WebSocket servers (templates, batched frames)")
struct RawWebSocketTests {
    @Test("a frame template turns escapes into bytes and fills in the group and the size")
    func templates() throws {
        let mqtt = try FrameTemplate(#"\x30\x47\x00\x05{group}"#)
        #expect(mqtt.render(group: "bench", size: 64) == [0x30, 0x47, 0x00, 0x05] + Array("bench".utf8))
        let nats = try FrameTemplate(#"PUB {group} {size}\r\n"#)
        #expect(nats.render(group: "g", size: 2048) == Array("PUB g 2048\r\n".utf8))
        let braces = try FrameTemplate(#"CONNECT \{"verbose":false}\t\\"#)
        #expect(braces.render(group: "", size: 0) == Array("CONNECT {\"verbose\":false}\t\\".utf8))
        #expect(try FrameTemplate("é").render(group: "", size: 0) == Array("é".utf8))
        #expect(FrameTemplate().isEmpty)
        #expect(try FrameTemplate("").isEmpty)

        var raw = RawWebSocket(url: "ws://127.0.0.1:1/")
        raw.publishPrefix = nats
        raw.publishSuffix = try FrameTemplate(#"\r\n"#)
        #expect(raw.publishFrame(group: "g", payload: "abc") == Array("PUB g 3\r\nabc\r\n".utf8))
    }

    @Test("a bad template is refused with what was wrong", arguments: [
        (#"\x4"#, #"\x without two hex digits"#), (#"\xzz"#, #"\x without two hex digits"#), (#"a\"#, "a trailing backslash"),
        (#"\q"#, #"the unknown escape \q"#), ("{group", "a { with no }"), ("{topic}", "the unknown placeholder {topic}"),
    ])
    func badTemplates(text: String, reason: String) {
        #expect {
            _ = try FrameTemplate(text)
        } throws: { error in
            guard let error = error as? PubSubError else { return false }
            return error.code == .benchBadTemplate && error.message.hasPrefix(reason) && error.exitStatus == .usage
        }
    }

    @Test("every payload of a batched frame is found, and one cut in two across frames is joined")
    func batchedFrames() {
        let payloads = (0..<3).map { BenchPayload(publisher: 0, group: 1, sequence: UInt64($0), sentNanoseconds: 1_000 + UInt64($0)) }
        // NATS batches deliveries: MSG <subject> <sid> <size>\r\n<payload>\r\n, several per frame.
        let stream = payloads.map { "MSG g 1 64\r\n\($0.text(size: 64))\r\n" }.joined()
        var found: [BenchPayload] = []
        let whole = BenchPayload.scan(ByteBuffer(string: stream).readableBytesView) { found.append($0); return true }
        #expect(found == payloads && whole == nil)

        // Cut anywhere inside the second payload's header ("~pb0.1.1.1001."): the scan finds the
        // first and reports where the unfinished one starts; cut after it, both are found.
        let head = "MSG g 1 64\r\n" + payloads[0].text(size: 64) + "\r\nMSG g 1 64\r\n"
        let second = payloads[1].text(size: 64)
        let header = payloads[1].text(size: 0).utf8.count
        for cut in 1...header {
            var seen: [BenchPayload] = []
            let view = ByteBuffer(string: head + second.prefix(cut)).readableBytesView
            let start = BenchPayload.scan(view) { seen.append($0); return true }
            if cut < header {
                #expect(seen == [payloads[0]], "cut at \(cut)")
                #expect(start.map { $0 - view.startIndex } == head.utf8.count, "cut at \(cut)")
            } else {
                #expect(seen == [payloads[0], payloads[1]] && start == nil, "cut at \(cut)")
            }
        }
        // A marker-like "~p" that is not a payload is not kept.
        #expect(BenchPayload.scan(ByteBuffer(string: "a ~px and ~").readableBytesView) { _ in true } != nil)
        #expect(BenchPayload.scan(ByteBuffer(string: "a ~px and").readableBytesView) { _ in true } == nil)
    }
}
