public import AsyncAlgorithms
import Foundation
import Logging
import Synchronization
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
public import PubSubCore

/// A message received on a WebSocket.
public enum WebSocketMessage: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
}

/// How a WebSocket ended: the close frame the peer sent, or none when the transport dropped.
public struct WebSocketClosed: Error, Sendable, Equatable, CustomStringConvertible {
    /// The peer's close code; nil when the connection dropped without a close frame.
    public let code: UInt16?
    public let reason: String

    public var description: String {
        code.map { "closed with \($0)\(reason.isEmpty ? "" : ": \(reason)")" } ?? "the connection dropped\(reason.isEmpty ? "" : ": \(reason)")"
    }
}

/// The sending half of an open WebSocket.
public struct WebSocketConnection: Sendable {
    /// The subprotocol the server chose from those offered, if any.
    public let subprotocol: String?
    let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>

    public func send(text: String) async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text)))
    }

    public func send(binary: [UInt8]) async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: ByteBuffer(bytes: binary)))
    }

    /// Sends a close frame; the server answers and ends the connection.
    public func close(code: WebSocketErrorCode = .normalClosure, reason: String = "") async throws {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        try await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data))
    }
}

/// A thin WebSocket client (HTTP and framing are NIO's, the handshake is
/// ``WebSocketHandshakeHandler``): it offers subprotocols and reports the one negotiated, speaks
/// ws:// and wss:// (NIOSSL, IP-literal hosts included), answers pings, and sends its own so that a
/// half-open connection is noticed within `keepalive * 3`.
public enum WebSocketClient {
    /// Options of a connection.
    public struct Options: Sendable {
        public var subprotocols: [String] = []
        public var headers: [(String, String)] = []
        public var connectTimeout: Duration = .seconds(10)
        /// The largest frame accepted from the service. The 1 MB limit is on the payload a client or
        /// the REST API sends; delivered to a JSON-protocol client it grows (base64 for binary, escapes
        /// for text), so this is well above it.
        public var maxMessageSize = 8 << 20
        /// Ping period; with no frame at all for three periods the connection counts as dead.
        public var keepalive: Duration = .seconds(20)
        /// The roots wss:// servers are checked against.
        public var trust: TLSTrust = .system

        public init(subprotocols: [String] = []) {
            self.subprotocols = subprotocols
        }
    }

    /// Connects, runs `body` with the connection and its incoming messages, then closes.
    ///
    /// The message stream ends by throwing ``WebSocketClosed`` (or another error when the transport
    /// fails); it finishes normally only if `body` closes the connection itself.
    /// - Throws: ``PubSubError`` when the connection cannot be opened: 69 unreachable or refused,
    ///   77 for 401/403, 67 for 404, 65 for other 4xx.
    public static func connect<Value: Sendable>(
        to urlText: String,
        options: Options = Options(),
        logger: Logger,
        body: @escaping @Sendable (WebSocketConnection, AsyncThrowingChannel<WebSocketMessage, any Error>) async throws -> Value
    ) async throws -> Value {
        let url = try Target(urlText)
        let channel = try await open(url, options: options, logger: logger)
        logger.debug("WebSocket open", metadata: ["subprotocol": "\(channel.subprotocol ?? "none")"])
        let socket = channel.channel.channel
        return try await channel.channel.executeThenClose { inbound, outbound in
            let connection = WebSocketConnection(subprotocol: channel.subprotocol, outbound: outbound)
            // A channel, not a buffering stream: the reader hands each message over and waits for the
            // body to take it, so a body that is slow (stdout to a slow pipe) slows the socket's reads
            // and TCP pushes back on the service, instead of messages piling up in memory here.
            let messages = AsyncThrowingChannel<WebSocketMessage, any Error>()
            let lastFrame = FrameClock()
            do {
                return try await session(messages: messages, lastFrame: lastFrame)
            } catch {
                // Cancelled (Ctrl-C, a stop condition): say goodbye with 1000 before the socket
                // closes, so the service ends the connection as a normal close. It is not waited
                // for: stopping never hangs on a service that does not answer.
                if Task.isCancelled {
                    var reason = socket.allocator.buffer(capacity: 2)
                    reason.write(webSocketErrorCode: .normalClosure)
                    try? await socket.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: reason)).get()
                }
                throw error
            }

            @Sendable func session(messages: AsyncThrowingChannel<WebSocketMessage, any Error>, lastFrame: FrameClock) async throws -> Value {
                try await withThrowingTaskGroup(of: Value?.self) { group in
                    group.addTask {
                        await read(inbound, outbound: outbound, options: options, lastFrame: lastFrame, into: messages, logger: logger)
                        return nil
                    }
                    group.addTask {
                        try await keepalive(outbound: outbound, period: options.keepalive, lastFrame: lastFrame, messages: messages)
                        return nil
                    }
                    group.addTask { try await body(connection, messages) }
                    defer { group.cancelAll() }
                    while let result = try await group.next() {
                        if let value = result { return value }
                    }
                    throw CancellationError()
                }
            }
        }
    }

    private static func read(
        _ inbound: NIOAsyncChannelInboundStream<WebSocketFrame>,
        outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>,
        options: Options,
        lastFrame: FrameClock,
        into messages: AsyncThrowingChannel<WebSocketMessage, any Error>,
        logger: Logger
    ) async {
        var fragments: [UInt8] = []
        var fragmentOpcode: WebSocketOpcode?
        do {
            for try await frame in inbound {
                logger.trace("frame", metadata: ["opcode": "\(frame.opcode)", "bytes": "\(frame.length)"])
                lastFrame.touch()
                switch frame.opcode {
                case .ping:
                    var data = frame.unmaskedData
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: data.readSlice(length: data.readableBytes) ?? ByteBuffer()))
                case .pong:
                    break
                case .connectionClose:
                    var data = frame.unmaskedData
                    let code = data.readWebSocketErrorCode().map { UInt16(webSocketErrorCode: $0) }
                    let reason = data.readString(length: data.readableBytes) ?? ""
                    messages.fail(WebSocketClosed(code: code, reason: reason))
                    return
                case .text, .binary, .continuation:
                    if frame.opcode != .continuation { fragmentOpcode = frame.opcode; fragments.removeAll() }
                    fragments.append(contentsOf: frame.unmaskedData.readableBytesView)
                    guard fragments.count <= options.maxMessageSize else {
                        messages.fail(WebSocketClosed(code: nil, reason: "a message exceeded \(options.maxMessageSize) bytes"))
                        return
                    }
                    guard frame.fin else { continue }
                    let message: WebSocketMessage =
                        fragmentOpcode == .text ? .text(String(decoding: fragments, as: UTF8.self)) : .binary(fragments)
                    lastFrame.waitingForConsumer(true)
                    await messages.send(message)
                    lastFrame.waitingForConsumer(false)
                    lastFrame.touch()
                    fragments.removeAll(keepingCapacity: true)
                default:
                    break
                }
            }
            messages.fail(WebSocketClosed(code: nil, reason: ""))
        } catch {
            messages.fail(WebSocketClosed(code: nil, reason: "\(error)"))
        }
    }

    /// Sends a ping every period, and ends the connection as half-open when nothing at all (not
    /// even a pong) arrived for three periods.
    private static func keepalive(
        outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>,
        period: Duration,
        lastFrame: FrameClock,
        messages: AsyncThrowingChannel<WebSocketMessage, any Error>
    ) async throws {
        while true {
            try await Task.sleep(for: period)
            if !lastFrame.isWaitingForConsumer, lastFrame.age > period * 3 {
                let closed = WebSocketClosed(code: nil, reason: "no frame for \(period * 3): the connection is half-open")
                messages.fail(closed)
                throw closed
            }
            try await outbound.write(WebSocketFrame(fin: true, opcode: .ping, maskKey: .random(), data: ByteBuffer(string: "pubsub")))
        }
    }

    /// When the last frame arrived.
    final class FrameClock: Sendable {
        private let start = ContinuousClock.now
        private let lastNanoseconds = Synchronization.Atomic<Int64>(0)
        private let waiting = Synchronization.Atomic<Bool>(false)

        /// Whether the reader is waiting for the body to take a message: no frame is read then, and
        /// the connection is not half-open for it.
        var isWaitingForConsumer: Bool { waiting.load(ordering: .relaxed) }

        func waitingForConsumer(_ flag: Bool) { waiting.store(flag, ordering: .relaxed) }

        func touch() {
            let elapsed = ContinuousClock.now - start
            lastNanoseconds.store(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000, ordering: .relaxed)
        }

        /// Time since the last frame (or since the connection opened).
        var age: Duration {
            (ContinuousClock.now - start) - .nanoseconds(lastNanoseconds.load(ordering: .relaxed))
        }
    }

    // MARK: Opening

    package struct Target: Sendable {
        package let secure: Bool
        package let host: String
        package let port: Int
        let requestURI: String

        package init(_ text: String) throws(PubSubError) {
            guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
                ["ws", "wss", "http", "https"].contains(scheme), let host = components.host, !host.isEmpty
            else {
                throw PubSubError(
                    .invalidURL,
                    "\"\(Self.redactedURL(text))\" is not a WebSocket URL",
                    hint: "use ws://host:port/client/hubs/<hub>?access_token=… (from `pubsub token`)",
                    exitStatus: .usage
                )
            }
            secure = scheme == "wss" || scheme == "https"
            self.host = host
            port = components.port ?? (secure ? 443 : 80)
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            requestURI = path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        }

        var hostHeader: String {
            let bracketed = host.contains(":") ? "[\(host)]" : host
            return port == (secure ? 443 : 80) ? bracketed : "\(bracketed):\(port)"
        }

        /// The URL with its access token shortened, for messages.
        package static func redactedURL(_ text: String) -> String {
            guard let range = text.range(of: "access_token=") else { return text }
            let token = text[range.upperBound...].prefix { $0 != "&" }
            return text.replacingOccurrences(of: token, with: PubSubError.redact(token))
        }
    }

    package enum Upgrade<Value: Sendable>: Sendable {
        case websocket(Value)
        case refused(status: HTTPResponseStatus, body: String)
    }

    private static func open(_ target: Target, options: Options, logger: Logger) async throws(PubSubError) -> (
        channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, subprotocol: String?
    ) {
        try await upgrade(target, options: options) { channel, subprotocol in
            (try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel), subprotocol)
        }
    }

    /// Opens a WebSocket and hands the upgraded channel to `configure`, on its event loop, once the
    /// WebSocket frame handlers are in place (the bytes that came with the 101 follow right after).
    /// `configure` adds the handlers that read and write frames and returns what the caller keeps.
    /// - Parameters:
    ///   - address: the target's address, already resolved (a load generator resolves it once
    ///     instead of once per connection); nil resolves `target.host`.
    ///   - source: the local address to connect from (a load generator spreads its connections over
    ///     several loopback addresses); nil lets the system choose.
    package static func upgrade<Value: Sendable>(
        _ target: Target,
        options: Options,
        address: SocketAddress? = nil,
        source: SocketAddress? = nil,
        configure: @escaping @Sendable (any Channel, _ subprotocol: String?) throws -> Value
    ) async throws(PubSubError) -> Value {
        let upgrade: Upgrade<Value>
        do {
            upgrade = try await upgradeFuture(target, options: options, address: address, source: source, configure: configure).get()
        } catch {
            throw connectFailure(error, target: target, options: options)
        }
        return try value(of: upgrade)
    }

    /// ``upgrade(_:options:address:source:configure:)`` as a future, for callers that open many
    /// connections from event loops (a load generator) without a task per connection. It fails with
    /// the transport's error (``connectFailure(_:target:options:)`` says it in the user's terms) and
    /// succeeds with the handshake's outcome (``value(of:)`` turns a refusal into its error).
    /// - Parameter eventLoop: the loop the connection and the returned future run on; nil: the next
    ///   of the shared group. A caller opening many connections picks each one's loop and chains
    ///   its next steps there, with no hop between threads.
    package static func upgradeFuture<Value: Sendable>(
        _ target: Target,
        options: Options,
        address: SocketAddress? = nil,
        source: SocketAddress? = nil,
        on eventLoop: (any EventLoop)? = nil,
        configure: @escaping @Sendable (any Channel, _ subprotocol: String?) throws -> Value
    ) -> EventLoopFuture<Upgrade<Value>> {
        let loop = eventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        let sslContext: NIOSSLContext?
        do {
            sslContext = target.secure ? try NIOSSLContext(configuration: options.trust.configuration) : nil
        } catch {
            return loop.makeFailedFuture(error)
        }
        var bootstrap = ClientBootstrap(group: loop)
        if let source { bootstrap = bootstrap.bind(to: source) }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        headers.add(name: "User-Agent", value: "pubsub-cli")
        if !options.subprotocols.isEmpty {
            headers.add(name: "Sec-WebSocket-Protocol", value: options.subprotocols.joined(separator: ", "))
        }
        for (name, value) in options.headers { headers.add(name: name, value: value) }
        let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.requestURI, headers: headers)
        let maxFrameSize = options.maxMessageSize
        let negotiation = loop.makePromise(of: Upgrade<Value>.self)
        bootstrap = bootstrap
            .connectTimeout(.milliseconds(Int64(options.connectTimeout.components.seconds * 1000)))
            // A service's FIN is an `inputClosed` event, not a close: the handshake handler reads a
            // refusal's body to it, and after the upgrade the caller's handlers see it after the
            // frames that came before it.
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        // IP literals carry no SNI; everything else does.
                        let isIPLiteral = (try? SocketAddress(ipAddress: target.host, port: 0)) != nil
                        try pipeline.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: isIPLiteral ? nil : target.host))
                    }
                    // The service's first frame often arrives in the same read as the 101 response:
                    // the handshake's decoder keeps those bytes for the WebSocket decoder.
                    var value: Value?
                    try WebSocketHandshakeHandler.install(
                        in: pipeline,
                        request: request,
                        maxFrameSize: maxFrameSize,
                        configure: { channel, subprotocol in value = try configure(channel, subprotocol) },
                        finished: { result in
                            switch result {
                            case .success(.upgraded):
                                // `configure` ran before `.upgraded` is given.
                                negotiation.succeed(.websocket(value!))
                            case .success(.refused(let status, let body)):
                                negotiation.succeed(.refused(status: status, body: body))
                            case .failure(let error):
                                negotiation.fail(error)
                            }
                        }
                    )
                }
            }
        let connected: EventLoopFuture<any Channel>
        if let address {
            connected = bootstrap.connect(to: address)
        } else {
            connected = bootstrap.connect(host: target.host, port: target.port)
        }
        // When the connection itself fails the handshake handler is never added; a promise completed
        // twice keeps its first result.
        connected.whenFailure { negotiation.fail($0) }
        return negotiation.futureResult
    }

    /// What an upgrade that did not happen means to the user.
    package static func connectFailure(_ error: any Error, target: Target, options: Options) -> PubSubError {
        if let failure = error as? PubSubError { return failure }
        if let untrusted = options.trust.failure(error, host: target.host, port: target.port) { return untrusted }
        return PubSubError(
            .serviceUnreachable,
            "cannot open a WebSocket to \(target.host):\(target.port): \(describe(error))",
            hint: target.host == "localhost" || target.host == "127.0.0.1"
                ? "is `pubsub serve` running on that port?" : "check the endpoint and the network",
            exitStatus: .unavailable
        )
    }

    /// The upgraded value, or the error a refused handshake means.
    package static func value<Value: Sendable>(of upgrade: Upgrade<Value>) throws(PubSubError) -> Value {
        switch upgrade {
        case .websocket(let value):
            return value
        case .refused(let status, let body):
            let said = body.trimmingCharacters(in: .whitespacesAndNewlines)
            let message = "the service refused the WebSocket (\(status.code) \(status.reasonPhrase))\(said.isEmpty ? "" : ": \(said)")"
            switch status.code {
            case 401, 403:
                throw PubSubError(.serviceRefusedCredentials, message, hint: "mint a fresh token for this hub, or check the AccessKey (when the hub has a connect event handler, it may be the app refusing this user)", exitStatus: .unauthorized)
            case 404:
                throw PubSubError(.serviceNotFound, message, hint: "check the endpoint and the hub", exitStatus: .notFound)
            case 400..<500:
                throw PubSubError(.serviceRejected, message, exitStatus: .dataError)
            default:
                throw PubSubError(.serviceUnreachable, message, exitStatus: .unavailable)
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("Connection refused") || text.contains("connectionRefused") { return "connection refused" }
        if text.contains("connectTimeout") { return "the connection timed out" }
        return text
    }
}

extension PubSubError.Code {
    public static let invalidURL = Self("invalidURL")
}
