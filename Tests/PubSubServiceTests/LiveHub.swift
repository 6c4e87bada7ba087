import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import Logging
import NIOCore
import PubSubCore
import PubSubService
import Testing

/// Runs the real service on an ephemeral loopback port for one test, with a deadline.
enum LiveHub {
    static let key = ConnectionString.developmentAccessKey

    @discardableResult
    static func run<Value: Sendable>(
        _ configuration: ServiceConfiguration = ServiceConfiguration(port: 0),
        timeout: Duration = .seconds(30),
        _ test: @escaping @Sendable (any TestClientProtocol, Int) async throws -> Value
    ) async throws -> Value {
        var configuration = configuration
        configuration.port = 0
        var logger = Logger(label: "pubsub.hub.test")
        logger.logLevel = .warning
        let app = buildHub(configuration: configuration, logger: logger)
        return try await withDeadline(timeout) {
            try await app.test(.live) { client in
                try await test(client, try #require(client.port))
            }
        }
    }

    /// A client access token for this hub on the test server.
    static func token(
        port: Int,
        hub: String = "chat",
        user: String? = nil,
        roles: [String] = [],
        groups: [String] = [],
        key: String = key,
        lifetime: Duration = .seconds(3600),
        now: Date = Date()
    ) -> String {
        let connection = ConnectionString(endpoint: ServiceEndpoint(scheme: "http", host: "localhost", port: port), accessKey: key)
        return TokenMinter(connectionString: connection).clientAccess(
            ClientTokenRequest(
                hub: hub,
                userId: user,
                roles: roles.compactMap { try? Role(parsing: $0) },
                groups: groups,
                lifetime: lifetime
            ),
            now: now
        ).token
    }

    /// A REST bearer token for a request path on the test server.
    static func restHeaders(port: Int, path: String, contentType: String? = nil) -> HTTPFields {
        let connection = ConnectionString(endpoint: ServiceEndpoint(scheme: "http", host: "localhost", port: port), accessKey: key)
        var headers: HTTPFields = [.authorization: "Bearer " + TokenMinter(connectionString: connection).restToken(for: "http://localhost:\(port)\(path)")]
        if let contentType { headers[.contentType] = contentType }
        return headers
    }

    /// WebSocket client options offering `subprotocol` (nil: a simple client).
    static func socketConfiguration(_ subprotocol: String?) -> WebSocketClientConfiguration {
        var headers = HTTPFields()
        if let subprotocol { headers[.secWebSocketProtocol] = subprotocol }
        return WebSocketClientConfiguration(maxFrameSize: 4 << 20, additionalHeaders: headers, closeTimeout: .seconds(5))
    }

    static let json = "json.webpubsub.azure.v1"
    static let reliable = "json.reliable.webpubsub.azure.v1"
}

/// Reads frames from a test socket.
struct Frames {
    var iterator: WebSocketInboundMessageStream.AsyncIterator

    init(_ inbound: WebSocketInboundStream) {
        iterator = inbound.messages(maxSize: 4 << 20).makeAsyncIterator()
    }

    mutating func next() async throws -> WebSocketMessage {
        try #require(try await iterator.next(), "the socket closed before the next frame")
    }

    mutating func nextMessage() async throws -> ServiceMessage {
        guard case .text(let text) = try await next() else {
            Issue.record("expected a text frame")
            throw CancellationError()
        }
        return try ServiceMessage.decode(Data(text.utf8))
    }

    /// Reads frames until the socket closes; returns the messages seen.
    mutating func drain() async throws -> [ServiceMessage] {
        var seen: [ServiceMessage] = []
        while let frame = try await iterator.next() {
            if case .text(let text) = frame, let message = try? ServiceMessage.decode(Data(text.utf8)) { seen.append(message) }
        }
        return seen
    }
}

/// Fails the test instead of hanging when `operation` takes longer than `timeout`.
func withDeadline<Value: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        guard let first = try await group.next(), let value = first else {
            group.cancelAll()
            Issue.record("the test did not finish within \(timeout)")
            throw CancellationError()
        }
        group.cancelAll()
        return value
    }
}

extension ServiceMessage {
    var connectionId: String? {
        if case .connected(let id, _, _) = self { return id }
        return nil
    }
}
