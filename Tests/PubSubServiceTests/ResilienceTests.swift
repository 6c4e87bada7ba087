import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import Logging
import NIOCore
import NIOPosix
import PubSubCore
import PubSubService
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Slow clients and shutdown")
struct ResilienceTests {
    @Test("a client that stops reading is disconnected when its queue overflows, and never slows the others")
    func slowConsumer() async throws {
        var configuration = ServiceConfiguration(port: 0)
        configuration.outboundQueueLimit = 8
        try await LiveHub.run(configuration, timeout: .seconds(60)) { client, port in
            let count = 300
            let payload = String(repeating: "x", count: 64 * 1024)
            let (slowID, slowContinuation) = AsyncStream.makeStream(of: String.self)
            let (healthyReady, healthyContinuation) = AsyncStream.makeStream(of: Void.self)
            async let slow: WebSocketCloseFrame? = client.ws(
                ProtocolTests.path(port, user: "slow", groups: ["firehose"]),
                configuration: LiveHub.socketConfiguration(LiveHub.json)
            ) { inbound, _, _ in
                var frames = Frames(inbound)
                let connected = try await frames.nextMessage()
                slowContinuation.yield(connected.connectionId ?? "")
                slowContinuation.finish()
                // Read nothing more until the service has dropped this connection.
                try await waitUntil {
                    let path = "/api/hubs/chat/connections/\(connected.connectionId ?? "")"
                    return try await client.execute(uri: path, method: .head, headers: LiveHub.restHeaders(port: port, path: path)).status == .notFound
                }
            }
            let (healthyCount, healthyCountContinuation) = AsyncStream.makeStream(of: Int.self)
            async let healthyClosed = client.ws(
                ProtocolTests.path(port, user: "healthy", groups: ["firehose"]),
                configuration: LiveHub.socketConfiguration(LiveHub.json)
            ) { inbound, _, _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                healthyContinuation.finish()
                var received = 0
                while received < count {
                    if case .groupMessage = try await frames.nextMessage() { received += 1 }
                }
                healthyCountContinuation.yield(received)
                healthyCountContinuation.finish()
            }
            var slowConnection = ""
            for await id in slowID { slowConnection = id }
            for await _ in healthyReady {}
            let path = "/api/hubs/chat/groups/firehose/:send"
            for _ in 0..<count {
                let response = try await client.execute(
                    uri: path,
                    method: .post,
                    headers: LiveHub.restHeaders(port: port, path: path, contentType: "text/plain"),
                    body: ByteBuffer(string: payload)
                )
                #expect(response.status == .accepted)
            }
            var healthy = 0
            for await received in healthyCount { healthy = received }
            #expect(healthy == count, "the healthy subscriber received every message")
            _ = try await healthyClosed
            // The service may reset the stalled socket once its close handshake times out.
            _ = try? await slow
            let head = "/api/hubs/chat/connections/\(slowConnection)"
            #expect(try await client.execute(uri: head, method: .head, headers: LiveHub.restHeaders(port: port, path: head)).status == .notFound)
        }
    }

    @Test("a reliable client that never acks is closed with 1008 once its unacked buffer is full")
    func reliableUnackedOverflow() async throws {
        var configuration = ServiceConfiguration(port: 0)
        configuration.reliableUnackedMessageLimit = 5
        try await LiveHub.run(configuration) { client, port in
            let close = try await client.ws(ProtocolTests.path(port, user: "noack"), configuration: LiveHub.socketConfiguration(LiveHub.reliable)) {
                inbound,
                _,
                _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                let path = "/api/hubs/chat/users/noack/:send"
                for index in 1...6 {
                    _ = try await client.execute(
                        uri: path,
                        method: .post,
                        headers: LiveHub.restHeaders(port: port, path: path, contentType: "text/plain"),
                        body: ByteBuffer(string: "m\(index)")
                    )
                }
                let seen = try await frames.drain()
                #expect(seen.prefix(5).map(\.sequenceId) == [1, 2, 3, 4, 5])
                guard case .disconnected(let reason?) = seen.last else {
                    Issue.record("expected disconnected, got \(seen)")
                    return
                }
                #expect(reason.hasPrefix("SlowClient"))
            }
            #expect(close?.closeCode == .policyViolation)
        }
    }

    @Test("graceful shutdown sends every client a disconnected message and a close frame, closes unused connections, then ends")
    func gracefulShutdown() async throws {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let logger = {
            var logger = Logger(label: "pubsub.hub.test")
            logger.logLevel = .warning
            return logger
        }()
        // As `pubsub serve` runs it (with its connection closer).
        let hub = buildHubService(configuration: ServiceConfiguration(port: 0), logger: logger) { port in portContinuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [hub], logger: logger))
        try await withDeadline(.seconds(30)) {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var port = 0
                for await bound in ports {
                    port = bound
                    break
                }
                let (connected, connectedContinuation) = AsyncStream.makeStream(of: Void.self)
                tasks.addTask {
                    let close = try await WebSocketClient.connect(
                        url: "ws://localhost:\(port)\(ProtocolTests.path(port))",
                        configuration: LiveHub.socketConfiguration(LiveHub.json),
                        logger: logger
                    ) { inbound, _, _ in
                        var frames = Frames(inbound)
                        _ = try await frames.nextMessage()
                        connectedContinuation.finish()
                        let rest = try await frames.drain()
                        #expect(rest.last == .disconnected(message: "the service is shutting down"))
                    }
                    #expect(close?.closeCode == .goingAway)
                }
                // A connection that never sends a byte (an HTTP client's spare keep-alive connection):
                // the shutdown closes it instead of waiting for the client to give up.
                let unused = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port) {
                    channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
                tasks.addTask {
                    // Ends when the service closes it (or resets it, if it was not accepted yet).
                    let received = try? await unused.executeThenClose { inbound, _ in
                        var bytes = 0
                        for try await buffer in inbound { bytes += buffer.readableBytes }
                        return bytes
                    }
                    #expect((received ?? 0) == 0)
                }
                for await _ in connected {}
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}

@Suite("Reliable sessions")
struct ReliableSessionTests {
    @Test("a dropped session that is not recovered within the retention ends, and its token is then refused with 1008")
    func unrecoveredSessionExpires() async throws {
        var configuration = ServiceConfiguration(port: 0)
        configuration.sessionRetention = .milliseconds(300)
        try await LiveHub.run(configuration) { client, port in
            // A raw socket, so that ending it drops the connection without a close frame.
            let socket = try await SessionTests.rawSocket(port: port, subprotocol: LiveHub.reliable)
            let connected = try await socket.executeThenClose { inbound, _ in
                var frames = inbound.makeAsyncIterator()
                return try #require(try await frames.next().flatMap(SessionTests.text))
            }
            guard case .connected(let connectionId, _, let token?) = try ServiceMessage.decode(Data(connected.utf8)) else {
                Issue.record("expected a connected message, got \(connected)")
                return
            }
            let path = "/api/hubs/chat/connections/\(connectionId)"
            let exists: @Sendable () async throws -> Bool = {
                try await client.execute(uri: path, method: .head, headers: LiveHub.restHeaders(port: port, path: path)).status == .ok
            }
            #expect(try await exists())
            try await waitUntil { try await !exists() }
            let close = try await client.ws(
                "/client/hubs/chat?awps_connection_id=\(connectionId)&awps_reconnection_token=\(token)",
                configuration: LiveHub.socketConfiguration(LiveHub.reliable)
            ) { inbound, _, _ in
                var frames = Frames(inbound)
                let seen = try await frames.drain()
                #expect(seen.isEmpty)
            }
            #expect(close?.closeCode == .policyViolation)
        }
    }

    @Test("a detached session keeps unacked messages for recovery, in order, and drops those past their TTL")
    func recoveryReplaysAndHonoursTTL() async throws {
        // The service's clock, set ahead by the test instead of waiting for the TTL to pass.
        let ahead = Mutex(Duration.zero)
        var configuration = ServiceConfiguration(port: 0)
        configuration.clock = ServiceClock { .now + ahead.withLock { $0 } }
        try await LiveHub.run(configuration) { client, port in
            let (identity, identityContinuation) = AsyncStream.makeStream(of: (String, String).self)
            try await client.ws(ProtocolTests.path(port, user: "r", groups: ["keep"]), configuration: LiveHub.socketConfiguration(LiveHub.reliable)) {
                inbound,
                _,
                _ in
                var frames = Frames(inbound)
                guard case .connected(let id, _, let token?) = try await frames.nextMessage() else { return }
                identityContinuation.yield((id, token))
                identityContinuation.finish()
            }
            var received: (String, String)?
            for await pair in identity { received = pair }
            let (connectionId, reconnectionToken) = try #require(received)

            let send = "/api/hubs/chat/connections/\(connectionId)/:send"
            for (body, ttl) in [("expires", "1"), ("stays", "0")] {
                let response = try await client.execute(
                    uri: send + "?messageTtlSeconds=\(ttl)&api-version=2024-12-01",
                    method: .post,
                    headers: LiveHub.restHeaders(port: port, path: send, contentType: "text/plain"),
                    body: ByteBuffer(string: body)
                )
                #expect(response.status == .accepted)
            }
            // The session outlived its transport: it still exists and is still in its group.
            #expect(try await groupExists(client, port, "keep"))
            // The one-second TTL passes (the session's 30 s retention does not).
            ahead.withLock { $0 = .seconds(2) }
            try await client.ws(
                "/client/hubs/chat?awps_connection_id=\(connectionId)&awps_reconnection_token=\(reconnectionToken)",
                configuration: LiveHub.socketConfiguration(LiveHub.reliable)
            ) { inbound, outbound, _ in
                var frames = Frames(inbound)
                #expect(try await frames.nextMessage().connectionId == connectionId)
                #expect(try await frames.nextMessage() == .serverMessage(data: .text("stays"), sequenceId: 2))
                try await outbound.write(.text(#"{"type":"sequenceAck","sequenceId":2}"#))
                try await outbound.write(.text(#"{"type":"ping"}"#))
                #expect(try await frames.nextMessage() == .pong)
            }
        }
    }

    @Test("invalid UTF-8 in a text frame closes with 1007")
    func invalidUTF8() async throws {
        try await LiveHub.run { client, port in
            let close = try await client.ws(ProtocolTests.path(port), configuration: LiveHub.socketConfiguration(LiveHub.json)) { inbound, outbound, _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                try await outbound.write(.custom(.init(fin: true, opcode: .text, data: ByteBuffer(bytes: [0x7B, 0xFF, 0xFE, 0x7D]))))
                _ = try await frames.drain()
            }
            #expect(close?.closeCode == .dataInconsistentWithMessage)
        }
    }
}
