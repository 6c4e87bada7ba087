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
import ServiceLifecycle
import Testing

/// Runs the real service, as `pubsub serve` ships it (``buildHubService``: HubListener, the
/// session sweeper and the connection closer), on an ephemeral loopback port for one test, with a
/// deadline; the test talks to it over real sockets through a ``HubClient``.
enum LiveHub {
    static let key = ConnectionString.developmentAccessKey

    @discardableResult
    static func run<Value: Sendable>(
        _ configuration: ServiceConfiguration = ServiceConfiguration(port: 0),
        timeout: Duration = .seconds(30),
        _ test: @escaping @Sendable (HubClient, Int) async throws -> Value
    ) async throws -> Value {
        var configuration = configuration
        configuration.port = 0
        var logger = Logger(label: "pubsub.hub.test")
        logger.logLevel = .warning
        let (ports, listening) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        let service = buildHubService(configuration: configuration, logger: logger) { port in listening.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        return try await withDeadline(timeout) {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next(), "the service did not start listening")
                let http = TestClient(host: "localhost", port: port, configuration: .init(timeout: timeout))
                http.connect()
                let client = HubClient(port: port, http: http)
                do {
                    let value = try await test(client, port)
                    try await http.shutdown()
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                    return value
                } catch {
                    try? await http.shutdown()
                    await group.triggerGracefulShutdown()
                    throw error
                }
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

/// A test's way to the service: HTTP requests on one keep-alive connection, and WebSocket clients.
struct HubClient: Sendable {
    let port: Int
    let http: TestClient

    struct Response: Sendable {
        let head: HTTPResponse
        let body: ByteBuffer
        var status: HTTPResponse.Status { head.status }
        var headers: HTTPFields { head.headerFields }
    }

    @discardableResult
    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> Response {
        var headers = headers
        headers[.connection] = "keep-alive"
        let response = try await http.execute(TestClient.Request(uri, method: method, authority: "localhost", headers: headers, body: body))
        return Response(head: response.head, body: response.body ?? ByteBuffer())
    }

    /// Runs `handler` on a WebSocket connection to `path`; returns the close frame.
    @discardableResult
    func ws(
        _ path: String,
        configuration: WebSocketClientConfiguration = .init(),
        logger: Logger = Logger(label: "pubsub.test.ws"),
        handler: @escaping WebSocketDataHandler<WebSocketClient.Context>
    ) async throws -> WebSocketCloseFrame? {
        try await WebSocketClient.connect(url: "ws://localhost:\(port)\(path)", configuration: configuration, logger: logger, handler: handler)
    }
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
