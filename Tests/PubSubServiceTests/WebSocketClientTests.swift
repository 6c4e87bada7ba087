import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOWebSocket
import PubSubClient
import PubSubCore
import Synchronization
import Testing

/// Our WebSocket client's side of the opening handshake, against a server that answers with bytes
/// written by the test: answers the local service never gives, and answers that come in one piece.
@Suite("WebSocket client handshake against a scripted server")
struct WebSocketClientTests {
    /// A loopback server that reads one request head and answers it with `answer(head)`, in one
    /// write, then ends the connection.
    enum ScriptedServer {
        static func run<T>(answer: @escaping @Sendable (String) -> ByteBuffer, _ body: (Int) async throws -> T) async throws -> T {
            let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RequestReader(answer: answer))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            do {
                let result = try await body(server.localAddress!.port!)
                try await server.close()
                return result
            } catch {
                try? await server.close()
                throw error
            }
        }

        /// Collects the request head, answers, closes.
        final class RequestReader: ChannelInboundHandler {
            typealias InboundIn = ByteBuffer
            typealias OutboundOut = ByteBuffer

            let answer: @Sendable (String) -> ByteBuffer
            var received = ""

            init(answer: @escaping @Sendable (String) -> ByteBuffer) {
                self.answer = answer
            }

            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                received += String(buffer: unwrapInboundIn(data))
                guard received.contains("\r\n\r\n") else { return }
                context.writeAndFlush(wrapOutboundOut(answer(received))).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            }
        }
    }

    /// The value of header `name` in a request head.
    static func header(_ name: String, in head: String) -> String? {
        for line in head.components(separatedBy: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    static func connect(port: Int) async throws {
        try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/client/hubs/chat", logger: Logger(label: "pubsub.test")) { _, messages in
            for try await _ in messages {}
        }
    }

    @Test("the request is an RFC 6455 upgrade; frames and a close that come with the 101 and the end of the connection are read in order")
    func framesWithTheSwitch() async throws {
        let seen = Mutex<String>("")
        let answer: @Sendable (String) -> ByteBuffer = { head in
            seen.withLock { $0 = head }
            let key = Self.header("Sec-WebSocket-Key", in: head) ?? ""
            var bytes = ByteBuffer(
                string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(WebSocketAccept.value(forKey: key))\r\nSec-WebSocket-Protocol: json.webpubsub.azure.v1\r\n\r\n"
            )
            var hello = try! RawHandshakeTests.encoded(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: "hello")))
            var close = ByteBuffer()
            close.write(webSocketErrorCode: .policyViolation)
            close.writeString("bye")
            var closing = try! RawHandshakeTests.encoded(WebSocketFrame(fin: true, opcode: .connectionClose, data: close))
            bytes.writeBuffer(&hello)
            bytes.writeBuffer(&closing)
            return bytes
        }
        try await ScriptedServer.run(answer: answer) { port in
            let received = Mutex<[WebSocketMessage]>([])
            let subprotocol = Mutex<String?>(nil)
            do {
                try await WebSocketClient.connect(
                    to: "ws://127.0.0.1:\(port)/client/hubs/chat?access_token=t",
                    options: WebSocketClient.Options(subprotocols: ["json.webpubsub.azure.v1"]),
                    logger: Logger(label: "pubsub.test")
                ) { connection, messages in
                    subprotocol.withLock { $0 = connection.subprotocol }
                    for try await message in messages { received.withLock { $0.append(message) } }
                }
                Issue.record("the stream ended without the close frame")
            } catch let closed as WebSocketClosed {
                #expect(closed.code == 1008)
                #expect(closed.reason == "bye")
            }
            #expect(received.withLock { $0 } == [.text("hello")])
            #expect(subprotocol.withLock { $0 } == "json.webpubsub.azure.v1")
        }
        let head = seen.withLock { $0 }
        #expect(head.hasPrefix("GET /client/hubs/chat?access_token=t HTTP/1.1\r\n"))
        #expect(Self.header("Upgrade", in: head)?.lowercased() == "websocket")
        #expect(Self.header("Connection", in: head)?.lowercased() == "upgrade")
        #expect(Self.header("Sec-WebSocket-Version", in: head) == "13")
        #expect(Self.header("Sec-WebSocket-Protocol", in: head) == "json.webpubsub.azure.v1")
        #expect(Data(base64Encoded: Self.header("Sec-WebSocket-Key", in: head) ?? "")?.count == 16)
    }

    @Test(
        "a 101 that is not RFC 6455's is refused with what is wrong with it",
        arguments: [
            ("Upgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Sec-WebSocket-Accept does not match"),
            ("Upgrade: websocket", "no Sec-WebSocket-Accept"),
            ("Upgrade: h2c\r\nSec-WebSocket-Accept: x", "Upgrade header is \"h2c\""),
        ]
    )
    func wrongSwitch(headers: String, problem: String) async throws {
        try await ScriptedServer.run(answer: { _ in ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\(headers)\r\n\r\n") }) { port in
            do {
                try await Self.connect(port: port)
                Issue.record("the client accepted a 101 without a valid handshake")
            } catch let error as PubSubError {
                #expect(error.message.contains(problem), "\(error.message)")
                #expect(error.exitStatus == .unavailable)
            }
        }
    }

    @Test("a refusal whose body runs to the end of the connection is reported with its status and body")
    func refusalReadToTheEnd() async throws {
        try await ScriptedServer.run(answer: { _ in ByteBuffer(string: "HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\nnot this user\n") }) { port in
            do {
                try await Self.connect(port: port)
                Issue.record("the client accepted a 403")
            } catch let error as PubSubError {
                #expect(error.message.contains("403 Forbidden"), "\(error.message)")
                #expect(error.message.contains("not this user"), "\(error.message)")
                #expect(error.exitStatus == .unauthorized)
            }
        }
    }

    @Test("a connection that ends before any answer says so")
    func noAnswer() async throws {
        try await ScriptedServer.run(answer: { _ in ByteBuffer() }) { port in
            do {
                try await Self.connect(port: port)
                Issue.record("the client opened a WebSocket without an answer")
            } catch let error as PubSubError {
                #expect(error.message.contains("closed before the server answered"), "\(error.message)")
                #expect(error.exitStatus == .unavailable)
            }
        }
    }
}
