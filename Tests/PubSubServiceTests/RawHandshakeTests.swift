import Foundation
import NIOCore
import NIOEmbedded
import NIOPosix
import NIOWebSocket
import PubSubCore
import Testing

/// The opening handshake as bytes on a socket: what the service answers to requests no WebSocket
/// client library would send, and the exact values of the ones it accepts.
@Suite("Client handshake on the wire")
struct RawHandshakeTests {
    /// Writes `bytes` to the service and reads until `done` says so or the service closes.
    static func exchange(port: Int, _ bytes: ByteBuffer, until done: @escaping @Sendable (String) -> Bool = { _ in false }) async throws -> String {
        let socket = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
        return try await withDeadline(.seconds(10)) {
            try await socket.executeThenClose { inbound, outbound in
                try await outbound.write(bytes)
                var received = ByteBuffer()
                for try await var buffer in inbound {
                    received.writeBuffer(&buffer)
                    if done(String(decoding: received.readableBytesView, as: UTF8.self)) { break }
                }
                return String(decoding: received.readableBytesView, as: UTF8.self)
            }
        }
    }

    static func upgradeRequest(port: Int, token: String, headers: [String]) -> String {
        (["GET /client/hubs/chat?access_token=\(token) HTTP/1.1", "Host: localhost:\(port)", "Upgrade: websocket", "Connection: Upgrade"]
            + headers).joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// A frame as NIO's encoder writes it: masked for a client's, unmasked for a server's.
    static func encoded(_ frame: WebSocketFrame) throws -> ByteBuffer {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        try channel.writeOutbound(frame)
        var bytes = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&part) }
        return bytes
    }

    @Test("the 101 carries RFC 6455's accept value for its sample key and the subprotocol; frames sent right behind the request are read")
    func acceptValueAndEarlyFrames() async throws {
        try await LiveHub.run { _, port in
            let token = LiveHub.token(port: port, roles: ["webpubsub.joinLeaveGroup"])
            var bytes = ByteBuffer(
                string: Self.upgradeRequest(
                    port: port,
                    token: token,
                    headers: ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: json.webpubsub.azure.v1"]
                )
            )
            // In the same write as the request: the service must hand these bytes to the WebSocket
            // decoder once it has upgraded.
            var join = try Self.encoded(SessionTests.frame(.text, ByteBuffer(string: #"{"type":"joinGroup","group":"early","ackId":7}"#)))
            bytes.writeBuffer(&join)
            let received = try await Self.exchange(port: port, bytes) { $0.contains(#""ackId":7"#) }
            let head = received.components(separatedBy: "\r\n\r\n")[0].lowercased()
            #expect(head.hasPrefix("http/1.1 101"), "\(head)")
            #expect(head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="), "\(head)")
            #expect(head.contains("sec-websocket-protocol: json.webpubsub.azure.v1"), "\(head)")
            let connected = try #require(received.range(of: #""event":"connected""#))
            let ack = try #require(received.range(of: #"{"type":"ack","ackId":7,"success":true}"#))
            #expect(connected.upperBound <= ack.lowerBound)
        }
    }

    @Test("the connected message comes in the same write as the 101: the first read that ends the head holds it whole")
    func connectedWithTheHandshake() async throws {
        try await LiveHub.run { _, port in
            let token = LiveHub.token(port: port, roles: [])
            let request = Self.upgradeRequest(
                port: port,
                token: token,
                headers: ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: json.webpubsub.azure.v1"]
            )
            // Stops at the first read that completes the head: a `connected` written on a later
            // turn of the event loop (as it was) is not in it.
            let received = try await Self.exchange(port: port, ByteBuffer(string: request)) { $0.contains("\r\n\r\n") }
            let parts = received.components(separatedBy: "\r\n\r\n")
            #expect(parts[0].hasPrefix("HTTP/1.1 101"), "\(received)")
            let frames = parts.dropFirst().joined(separator: "\r\n\r\n")
            #expect(frames.contains(#"{"type":"system","event":"connected","#) && frames.hasSuffix("}"), "after the head: \(frames)")
        }
    }

    struct Broken: Sendable, CustomTestStringConvertible {
        let name: String
        let request: @Sendable (Int) -> String
        let status: String
        let says: [String]
        var testDescription: String { name }
    }

    static let broken: [Broken] = [
        Broken(
            name: "another WebSocket version",
            request: { upgradeRequest(port: $0, token: LiveHub.token(port: $0), headers: ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 8"]) },
            status: "HTTP/1.1 426 Upgrade Required",
            says: ["sec-websocket-version: 13", "must be 13", "has 8"]
        ),
        Broken(
            name: "no Sec-WebSocket-Key",
            request: { upgradeRequest(port: $0, token: LiveHub.token(port: $0), headers: ["Sec-WebSocket-Version: 13"]) },
            status: "HTTP/1.1 400 Bad Request",
            says: ["exactly one sec-websocket-key"]
        ),
        Broken(name: "not HTTP", request: { _ in "HELLO THERE\r\n\r\n" }, status: "HTTP/1.1 400 Bad Request", says: ["not valid http/1.1"]),
    ]

    @Test("a broken opening handshake gets a status and a reason, then the connection ends", arguments: broken)
    func brokenHandshake(_ broken: Broken) async throws {
        try await LiveHub.run { _, port in
            // Read until the service closes: the loop ends only when it does.
            let received = try await Self.exchange(port: port, ByteBuffer(string: broken.request(port)))
            #expect(received.hasPrefix(broken.status + "\r\n"), "\(received)")
            for phrase in broken.says {
                #expect(received.lowercased().contains(phrase), "\(received)")
            }
            #expect(received.lowercased().contains("connection: close"))
        }
    }
}
