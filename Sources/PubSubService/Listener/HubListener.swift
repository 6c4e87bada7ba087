import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The listening socket of `pubsub serve`: NIO's server bootstrap with ``ClientUpgradeChannel`` set
/// up in the child initializer, and no Swift task for a connection that does not need one.
///
/// Hummingbird's server hands every accepted connection through an async sequence to its server
/// task, which starts a child task for it: two thread hops and a task per connection, about a
/// seventh of the service's CPU in a connection storm, for WebSocket clients that run on their
/// event loops and need no task at all. Here a WebSocket costs none; a connection whose request is
/// not an upgrade (REST, SSE, trace, a refusal) gets one task, which runs Hummingbird's HTTP
/// handling with the router, as Hummingbird's own server would.
///
/// Graceful shutdown as Hummingbird's: the listening socket closes, open connections get NIO's
/// quiesce event (sessions close with 1001, HTTP connections after their request), and `run`
/// returns once every connection has closed.
struct HubListener: Service {
    let childChannel: ClientUpgradeChannel
    let configuration: ServiceConfiguration
    var host: String { configuration.host }
    var port: Int { configuration.port }
    let logger: Logger
    let onListening: @Sendable (any Channel) async -> Void

    /// The system's largest accept queue: Linux's `net.core.somaxconn` (4096 on current kernels),
    /// else 4096. A larger value passed to `listen` is cut to it by the kernel anyway.
    static var systemBacklog: Int {
        if let text = try? String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8),
            let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0
        {
            return min(value, Int(Int32.max))
        }
        return 4096
    }

    func run() async throws {
        // Before binding: the public development key never listens beyond loopback.
        try configuration.checkDevelopmentKey()
        let group = MultiThreadedEventLoopGroup.singleton
        let quiescing = ServerQuiescingHelper(group: group)
        let childChannel = childChannel
        let logger = logger
        let tls = configuration.tls
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: Int32(clamping: configuration.listenBacklog ?? Self.systemBacklog))
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            // Up to 16 accepts per wake-up of the listening socket instead of NIO's 4: in a connection
            // storm a third fewer epoll_wait calls per connection (0.54 -> 0.37).
            .serverChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Out of file descriptors, accepting pauses instead of spinning (AcceptPause).
                    try channel.pipeline.syncOperations.addHandler(AcceptPause(logger: logger))
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536))
            // One read per wake-up: NIO keeps up to this many receive buffers per connection, and
            // an upgrade request longer than the first buffer (a token in the query) made every
            // connection keep a second one, and an array for them, for its whole life (1.7 KB of
            // an idle connection). Clients send little; a busy one is read again on the next wake-up.
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                if let tls {
                    // TLS first: everything after it (HTTP, WebSocket frames, the writer's encoded
                    // frames) goes through it.
                    do {
                        try channel.pipeline.syncOperations.addHandlers(tls.handlers())
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
                return childChannel.setup(channel: channel, logger: logger).map { value in
                    value.upgradeResult.whenSuccess { outcome in
                        if case .websocket = outcome { return }
                        Task { await childChannel.handle(value: value, logger: logger) }
                    }
                }
            }
            .bind(host: host, port: port)
            .get()
        logger.info("listening", metadata: ["address": "\(host):\(server.localAddress?.port ?? port)"])
        await onListening(server)
        try? await gracefulShutdown()
        let closed = server.eventLoop.makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: closed)
        // A connection whose peer reads nothing (an SSE or trace stream stuck on a full socket, a
        // client that never answers the close) would hold the shutdown forever: the wait is
        // bounded, and what is still open then ends with the process.
        let settled = server.eventLoop.makePromise(of: Bool.self)
        let once = Mutex(false)
        let settle: @Sendable (Bool) -> Void = { allClosed in
            if once.withLock({ done in defer { done = true }; return !done }) { settled.succeed(allClosed) }
        }
        closed.futureResult.whenComplete { _ in settle(true) }
        let timer = server.eventLoop.scheduleTask(in: .seconds(Self.shutdownWaitSeconds)) { settle(false) }
        if try await settled.futureResult.get() == false {
            logger.warning("connections still open \(Self.shutdownWaitSeconds) s after the shutdown began (a peer that reads nothing); they end with the process")
        }
        timer.cancel()
    }

    /// How long a graceful shutdown waits for every connection to end: longer than the five seconds
    /// `ConnectionCloser` gives WebSocket clients to answer the close.
    static let shutdownWaitSeconds: Int64 = 6
}

/// ServiceLifecycle logs a service by its description: this one names the address, never the
/// configuration (which holds the access keys).
extension HubListener: CustomStringConvertible {
    var description: String { "HubListener(\(host):\(port))" }
}

/// Hummingbird's request handling for a connection that stays HTTP: the router's answer, with the
/// `Date` and `Server` headers Hummingbird's application adds.
func hubResponder(router: Router<BasicWebSocketRequestContext>, logger: Logger) -> HTTPChannelHandler.Responder {
    let responder = router.buildResponder()
    let dates = HTTPDateCache()
    return { request, responseWriter, channel in
        let context = BasicWebSocketRequestContext(source: .init(channel: channel, logger: logger))
        var response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch let error as HTTPParserError {
            throw error
        } catch {
            logger.debug("unrecognised error", metadata: ["error": "\(error)"])
            response = Response(status: .internalServerError)
        }
        response.headers[.date] = dates.now()
        response.headers[.server] = "pubsub"
        try await responseWriter.write(response: response.head, body: response.body)
    }
}
