import Foundation
import NIOCore
import NIOWebSocket
import PubSubClient
import PubSubCore
@testable import PubSubService
import Testing

/// The WebSocket duties of a client session, seen from a raw socket that answers nothing by itself.
@Suite("WebSocket sessions")
struct SessionTests {
    typealias RawSocket = NIOAsyncChannel<WebSocketFrame, WebSocketFrame>

    /// A WebSocket to the live hub that hands over every frame as it arrives, pings included.
    static func rawSocket(port: Int, hub: String = "chat", subprotocol: String?) async throws -> RawSocket {
        let url = "ws://localhost:\(port)/client/hubs/\(hub)?access_token=\(LiveHub.token(port: port, hub: hub))"
        let options = WebSocketClient.Options(subprotocols: subprotocol.map { [$0] } ?? [])
        return try await WebSocketClient.upgrade(try WebSocketClient.Target(url), options: options) { channel, _ in
            try RawSocket(wrappingChannelSynchronously: channel)
        }
    }

    static func frame(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }

    static func text(_ frame: WebSocketFrame) -> String? {
        frame.opcode == .text ? String(buffer: frame.unmaskedData) : nil
    }

    static func closeCode(_ frame: WebSocketFrame) -> (code: WebSocketErrorCode?, reason: String)? {
        guard frame.opcode == .connectionClose else { return nil }
        var data = frame.unmaskedData
        let code = data.readWebSocketErrorCode()
        return (code, String(buffer: data))
    }

    @Test("a client that answers no ping is closed with 1001 PingTimeout after a disconnected message")
    func pingTimeout() async throws {
        var configuration = ServiceConfiguration(port: 0)
        configuration.pingInterval = .milliseconds(200)
        try await LiveHub.run(configuration) { _, port in
            let socket = try await Self.rawSocket(port: port, subprotocol: LiveHub.json)
            let frames = try await socket.executeThenClose { inbound, _ in
                var frames: [WebSocketFrame] = []
                for try await frame in inbound { frames.append(frame) }
                return frames
            }
            let kinds = frames.map(\.opcode)
            #expect(kinds == [.text, .ping, .text, .connectionClose], "\(kinds)")
            #expect(Self.text(frames[0])?.contains(#""event":"connected""#) == true)
            #expect(Self.text(frames[2])?.contains(#""event":"disconnected""#) == true)
            #expect(Self.text(frames[2])?.contains("PingTimeout") == true)
            #expect(Self.closeCode(frames[3])?.code == .goingAway)
        }
    }

    @Test("a client that answers every ping stays connected")
    func pingsAnswered() async throws {
        // After two answered pings (two timeouts survived), the socket still works.
        try await Self.staysConnected(afterPings: 2) { ping in
            #expect(ping.fin)
            return Self.frame(.pong, ping.unmaskedData)
        }
    }

    @Test("a pong the client sends unprompted (a heartbeat) counts as an answer to the service's ping")
    func unpromptedPongs() async throws {
        // Not an answer (other data): the heartbeat after each ping is the client's sign of life.
        try await Self.staysConnected(afterPings: 3) { _ in Self.frame(.pong, ByteBuffer(string: "heartbeat")) }
    }

    /// A JSON client of a service that pings every second sends `pong(ping)` after each ping; after
    /// `count` pings its `{"type":"ping"}` must still be answered.
    static func staysConnected(afterPings count: Int, pong: @escaping @Sendable (WebSocketFrame) -> WebSocketFrame) async throws {
        var configuration = ServiceConfiguration(port: 0)
        // Long enough for a loaded machine to answer a ping before the next one is due.
        configuration.pingInterval = .seconds(1)
        try await LiveHub.run(configuration) { _, port in
            let socket = try await Self.rawSocket(port: port, subprotocol: LiveHub.json)
            try await socket.executeThenClose { inbound, outbound in
                var pings = 0
                for try await frame in inbound {
                    switch frame.opcode {
                    case .ping:
                        pings += 1
                        try await outbound.write(pong(frame))
                        if pings == count { try await outbound.write(Self.frame(.text, ByteBuffer(string: #"{"type":"ping"}"#))) }
                    case .text where Self.text(frame) == #"{"type":"pong"}"#:
                        #expect(pings == count)
                        return
                    case .text:
                        let text = Self.text(frame) ?? ""
                        #expect(text.contains(#""event":"connected""#), "\(text)")
                    default:
                        Issue.record("unexpected \(frame.opcode) frame: \(Self.closeCode(frame).map { "\($0.reason)" } ?? "")")
                        return
                    }
                }
                Issue.record("the service closed a client that sent a pong after every ping")
            }
        }
    }

    @Test("pings from the client are answered with the same data")
    func pingAnswered() async throws {
        try await LiveHub.run { _, port in
            let socket = try await Self.rawSocket(port: port, subprotocol: LiveHub.json)
            try await socket.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                _ = try await frames.next()  // connected
                try await outbound.write(Self.frame(.ping, ByteBuffer(string: "are you there")))
                let pong = try #require(try await frames.next())
                #expect(pong.opcode == .pong)
                #expect(String(buffer: pong.unmaskedData) == "are you there")
            }
        }
    }

    /// A JSON client that, once connected, sends `frame` and returns every frame the service sends
    /// after it until the connection ends.
    static func framesAfter(sending frame: WebSocketFrame, port: Int) async throws -> [WebSocketFrame] {
        let socket = try await Self.rawSocket(port: port, subprotocol: LiveHub.json)
        return try await socket.executeThenClose { inbound, outbound in
            var frames = inbound.makeAsyncIterator()
            _ = try await frames.next()  // connected
            try await outbound.write(frame)
            var after: [WebSocketFrame] = []
            while let next = try await frames.next() { after.append(next) }
            return after
        }
    }

    @Test("the client's close is answered with a close frame, then the connection ends")
    func clientClose() async throws {
        try await LiveHub.run { _, port in
            var data = ByteBuffer()
            data.write(webSocketErrorCode: .normalClosure)
            data.writeString("bye")
            let after = try await Self.framesAfter(sending: Self.frame(.connectionClose, data), port: port)
            #expect(after.count == 1)
            #expect(after.first.flatMap(Self.closeCode)?.code == .normalClosure)
        }
    }

    @Test("a frame the decoder refuses (a fragmented ping) gets a 1002 close with a reason, then the connection ends")
    func decoderErrorCloses() async throws {
        try await LiveHub.run { _, port in
            // Control frames may not be fragmented (RFC 6455 §5.5).
            let fragmentedPing = WebSocketFrame(fin: false, opcode: .ping, maskKey: .random(), data: ByteBuffer(string: "part"))
            let after = try await Self.framesAfter(sending: fragmentedPing, port: port)
            #expect(after.map(\.opcode) == [.connectionClose])
            let close = try #require(after.last.flatMap(Self.closeCode))
            #expect(close.code == .protocolError)
            #expect(close.reason.contains("fragmentedControlFrame"), "\(close.reason)")
        }
    }

    @Test("a close reason longer than a control frame holds is cut to 123 bytes of whole characters")
    func longCloseReason() async throws {
        try await LiveHub.run { _, port in
            // A simple client that is not in sendToGroup mode may not send: the reason names the hub.
            let hub = "a_hub_with_a_rather_long_name_to_push_the_close_reason_past_the_limit"
            let socket = try await Self.rawSocket(port: port, hub: hub, subprotocol: nil)
            let frames = try await socket.executeThenClose { inbound, outbound in
                try await outbound.write(Self.frame(.text, ByteBuffer(string: "hello")))
                var frames: [WebSocketFrame] = []
                for try await frame in inbound {
                    frames.append(frame)
                    // Complete the close handshake; the service then closes the connection at once.
                    if frame.opcode == .connectionClose { try await outbound.write(Self.frame(.connectionClose, frame.unmaskedData)) }
                }
                return frames
            }
            let close = try #require(frames.last.flatMap(Self.closeCode))
            #expect(close.code == .policyViolation)
            #expect(close.reason.utf8.count == 123)
            #expect(close.reason.hasPrefix("No event handler handles 'message' events on hub '\(hub.lowercased())'"))
            // A cut inside a character moves to its start.
            let cut = Framing.close(.normalClosure, reason: String(repeating: "x", count: 122) + "é", allocator: ByteBufferAllocator())
            #expect(Self.closeCode(cut)?.reason == String(repeating: "x", count: 122))
        }
    }
}
