import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Synchronization

/// The server child channel: HTTP/1.1 for REST, and the WebSocket upgrade for clients, admitted (or
/// refused with its status and reason) by ``ClientAdmission`` in ``ClientHandshakeHandler``.
///
/// Our own channel rather than hummingbird-websocket's for two reasons: a refused upgrade must be
/// answered with its real status and reason (that channel answers every declined upgrade with an
/// empty 400, and Web PubSub clients expect 401 with a reason, §4.4); and an admitted socket runs as
/// a ``ClientSession`` on its event loop, with no async stream, actor or child tasks per connection
/// (what holding tens of thousands of mostly idle clients costs, docs/benchmarks.md).
struct ClientUpgradeChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        /// The session runs in the channel's pipeline until the channel closes.
        case websocket
        /// A refused upgrade, answered and closed by the handshake handler.
        case handled
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        /// The outcome once known, set on the channel's loop: when the server's task for the
        /// connection starts after the upgrade is done (usual for a WebSocket, whose request comes
        /// with the connection), it reads it here instead of awaiting the future (which resumes it on
        /// another thread: a tenth of the service's CPU in a connection storm).
        let settled: Settled
        let channel: any Channel
    }

    final class Settled: Sendable {
        let result = Mutex<UpgradeResult?>(nil)
    }

    let responder: HTTPChannelHandler.Responder
    /// The largest message (and frame) a client may send.
    let maxMessageSize: Int
    let closeTimeout: Duration
    /// How long a connection may take to send its first request (``ClientHandshakeHandler``).
    let handshakeTimeout: Duration
    /// How long an HTTP connection may idle between requests or stall in one (Hummingbird's
    /// connection state handler).
    let httpIdleTimeout: Duration
    /// Decides an upgrade request (on the channel's event loop; it may wait for the `connect` event
    /// handler).
    let admit: ClientHandshakeHandler.Admit
    let protocolHandler: ClientSocketHandler

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            let responseEncoder = HTTPResponseEncoder()
            let requestDecoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
            let outcome = channel.eventLoop.makePromise(of: UpgradeResult.self)
            let handshake = ClientHandshakeHandler(
                responseEncoder: responseEncoder,
                requestDecoder: requestDecoder,
                maxMessageSize: maxMessageSize,
                timeout: TimeAmount(handshakeTimeout),
                admit: admit,
                makeSession: { [protocolHandler, closeTimeout] admission in
                    ClientSession(protocolHandler: protocolHandler, admission: admission, closeTimeout: closeTimeout)
                },
                serveHTTP: { [httpIdleTimeout] channel in
                    try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                    try channel.pipeline.syncOperations.addHandler(LingeringCloseHandler())
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: httpIdleTimeout, logger: logger))
                    let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true)
                    )
                    return .notUpgraded(http)
                },
                outcome: outcome
            )
            try pipeline.addHandler(QuiesceUnusedHandler())
            try pipeline.addHandler(responseEncoder)
            try pipeline.addHandler(requestDecoder)
            try pipeline.addHandler(handshake)
            let value = Value(upgradeResult: outcome.futureResult, settled: Settled(), channel: channel)
            outcome.futureResult.whenSuccess { result in value.settled.result.withLock { $0 = result } }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            let outcome: UpgradeResult
            if let known = value.settled.result.withLock({ $0 }) {
                outcome = known
            } else {
                outcome = try await value.upgradeResult.get()
            }
            switch outcome {
            case .notUpgraded(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .websocket, .handled:
                // Nothing to wait for: a session runs on the channel's event loop, and no task
                // is kept per connection. Graceful shutdown closes it through the registry
                // (ConnectionCloser), which waits for the sockets to finish.
                break
            }
        } catch {
            logger.debug("client channel ended", metadata: ["error": "\(error)"])
        }
    }
}
