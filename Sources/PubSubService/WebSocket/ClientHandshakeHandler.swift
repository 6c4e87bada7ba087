import Foundation
import NIOCore
import NIOHTTP1
import NIOWebSocket
import PubSubCore

/// The first request on a connection to the service, read by NIO's HTTP decoder: a WebSocket
/// upgrade is admitted (``ClientAdmission``, perhaps through the `connect` event handler) and then
/// answered here, with a 101 and a ``ClientSession`` or with the refusal's status and reason; any
/// other request hands the connection to the HTTP server (REST, SSE, the trace).
///
/// This does what NIO's typed server upgrade handler and WebSocket upgrader did for us, in one
/// handler and without their chains of futures and pipeline edits that wait on promises: those
/// were a quarter of the service's CPU in a connection storm (docs/benchmarks.md). The parts that
/// are NIO's stay NIO's: HTTP parsing and encoding, WebSocket framing; the handshake itself is
/// RFC 6455 §4.2 (the accept value is ``WebSocketAccept``, a SHA-1 from swift-crypto) and takes the
/// requests NIO's upgrader took: HTTP/1.1 or later, `Connection: upgrade`, `Upgrade: websocket`, one
/// `Sec-WebSocket-Key` and `Sec-WebSocket-Version: 13`. Where NIO's passed a broken one on to the
/// HTTP server (whose answer was "connect with a WebSocket client"), this one says what is wrong:
/// 426 with the version it speaks, or 400 for a missing key.
final class ClientHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    typealias Admit = @Sendable (HTTPRequestHead, any EventLoop) -> Decision

    /// What admission says of an upgrade request: at once, or once the `connect` event handler
    /// has answered.
    enum Decision {
        case now(Result<ClientAdmission, Refusal>)
        case later(EventLoopFuture<Result<ClientAdmission, Refusal>>)
    }

    /// Decides every step; this handler carries the steps out.
    private var machine: HandshakeStateMachine
    private let responseEncoder: HTTPResponseEncoder
    private let requestDecoder: ByteToMessageHandler<HTTPRequestDecoder>
    private let admit: Admit
    private let maxMessageSize: Int
    private let makeSession: (ClientAdmission) -> ClientSession
    /// Sets the connection up for the HTTP server and gives its outcome.
    private let serveHTTP: (any Channel) throws -> ClientUpgradeChannel.UpgradeResult
    private let outcome: EventLoopPromise<ClientUpgradeChannel.UpgradeResult>
    /// How long the client may take to send its first request (slowloris).
    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(
        responseEncoder: HTTPResponseEncoder,
        requestDecoder: ByteToMessageHandler<HTTPRequestDecoder>,
        maxMessageSize: Int,
        timeout: TimeAmount,
        admit: @escaping Admit,
        makeSession: @escaping (ClientAdmission) -> ClientSession,
        serveHTTP: @escaping (any Channel) throws -> ClientUpgradeChannel.UpgradeResult,
        outcome: EventLoopPromise<ClientUpgradeChannel.UpgradeResult>
    ) {
        self.responseEncoder = responseEncoder
        self.requestDecoder = requestDecoder
        self.maxMessageSize = maxMessageSize
        self.timeout = timeout
        self.admit = admit
        self.makeSession = makeSession
        self.serveHTTP = serveHTTP
        self.outcome = outcome
        machine = HandshakeStateMachine(timeout: timeout)
    }

    /// Starts the handshake timeout: from the accept until the request has been read.
    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.timedOut(context: context)
        }
    }

    /// The client did not send its whole request in time.
    private func timedOut(context: ChannelHandlerContext) {
        timer = nil
        perform(machine.timedOut(), context: context)
    }

    static func describe(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        // The connection closed before its first request was answered: the server's task for it
        // must not wait for an outcome that will not come, and a pending admission finds it done.
        perform(machine.removed(), context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head): perform(machine.head(head), context: context, head: part)
        case .body: perform(machine.body(), context: context)
        case .end: perform(machine.end(), context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(machine.parseError("\(error)"), context: context, error: error)
    }

    /// Carries out what the machine decided.
    private func perform(_ action: HandshakeStateMachine.Action, context: ChannelHandlerContext, head: HTTPServerRequestPart? = nil, error: (any Error)? = nil) {
        switch action {
        case .none:
            break
        case .admit(let requestHead):
            switch admit(requestHead, context.eventLoop) {
            case .now(let decision):
                perform(machine.decided(Self.decision(decision), channelActive: context.channel.isActive), context: context)
            case .later(let future):
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                future.hop(to: context.eventLoop).whenComplete { result in
                    let (handler, context) = loopBound.value
                    handler.decided(context: context, result)
                }
            }
        case .handToHTTP:
            guard let head else { return }
            handToHTTP(context: context, head: head)
        case .refuse(let refusal, let headers):
            refuse(context: context, refusal, headers: headers.map { ($0.name, $0.value) })
        case .upgrade(let key, let admission):
            upgrade(context: context, key: key, admission: admission.value)
        case .close:
            complete(.handled)
            context.close(promise: nil)
        case .abandon:
            outcome.fail(ChannelError.ioOnClosedChannel)
        case .forwardError:
            if let error { context.fireErrorCaught(error) }
        }
    }

    // MARK: Decisions

    private func decided(context: ChannelHandlerContext, _ result: Result<Result<ClientAdmission, Refusal>, any Error>) {
        let decision: Result<ClientAdmission, Refusal>
        switch result {
        case .success(let admission):
            decision = admission
        case .failure(let error):
            decision = .failure(Refusal(.internalServerError, "the upgrade could not be decided: \(error)"))
        }
        perform(machine.decided(Self.decision(decision), channelActive: context.channel.isActive), context: context)
    }

    private static func decision(_ result: Result<ClientAdmission, Refusal>) -> HandshakeStateMachine.Decision {
        switch result {
        case .success(let admission): return .admitted(ClientAdmissionBox(admission))
        case .failure(let refusal): return .refused(refusal)
        }
    }

    private func upgrade(context: ChannelHandlerContext, key: String, admission: ClientAdmission) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(4)
        headers.add(name: "Upgrade", value: "websocket")
        headers.add(name: "Connection", value: "upgrade")
        headers.add(name: "Sec-WebSocket-Accept", value: WebSocketAccept.value(forKey: key))
        if let subprotocol = admission.responseSubprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
        // Not flushed here: the session writes `connected` as it is added and flushes both, so a
        // client reads its connectionId in the same segment as the 101, the moment its handshake
        // completes (Microsoft's `test_auto_connect` reads it 1 ms after `open()` returns).
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers))), promise: nil)
        do {
            // The HTTP encoder goes before the session writes its first frame; the decoder last, as
            // it hands on the bytes that came after the request (the client's first frames) to the
            // WebSocket decoder.
            let pipeline = context.pipeline.syncOperations
            pipeline.removeHandler(responseEncoder, promise: nil)
            try pipeline.addHandlers(
                [
                    WebSocketFrameEncoder(),
                    ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxMessageSize)),
                    NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0,
                        maxAccumulatedFrameCount: 10_000,
                        maxAccumulatedFrameSize: maxMessageSize
                    ),
                    makeSession(admission),
                ],
                // In this order, after this handler (the last one): the session finds the frame
                // encoder when it is added, and its first frames go through it. The encoder stays
                // the lowest outbound handler we add: frames encoded once per publish are written
                // through its context, to whatever is below it (ChannelWriter).
                position: .last
            )
            // A simple client gets no `connected` message, and a refused recovery wrote its close:
            // whatever is still unflushed (at least the 101) goes now.
            context.channel.flush()
            complete(.websocket)
            pipeline.removeHandler(context: context, promise: nil)
            pipeline.removeHandler(requestDecoder, promise: nil)
        } catch {
            complete(.handled)
            context.close(promise: nil)
        }
    }

    /// Answers with the refusal's status and reason, then closes.
    private func refuse(context: ChannelHandlerContext, _ refusal: Refusal, headers extra: [(String, String)] = []) {
        complete(.handled)
        var body = context.channel.allocator.buffer(capacity: refusal.message.utf8.count + 1)
        body.writeString(refusal.message)
        body.writeString("\n")
        var headers = HTTPHeaders([
            ("Connection", "close"), ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", String(body.readableBytes)),
        ])
        headers.add(contentsOf: extra)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: refusal.status.code, reasonPhrase: refusal.status.reasonPhrase), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Not a WebSocket upgrade: the HTTP server takes the connection from this request on.
    private func handToHTTP(context: ChannelHandlerContext, head: HTTPServerRequestPart) {
        do {
            let result = try serveHTTP(context.channel)
            complete(result)
            context.fireChannelRead(NIOAny(head))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } catch {
            complete(.handled)
            context.close(promise: nil)
        }
    }

    /// Gives the connection's outcome (the machine has moved to done, so this happens once).
    private func complete(_ result: ClientUpgradeChannel.UpgradeResult) {
        timer?.cancel()
        timer = nil
        outcome.succeed(result)
    }

    // MARK: The handshake (RFC 6455 §4.2.1, §4.2.2)

    enum Handshake {
        /// Not a WebSocket upgrade: the HTTP server answers it.
        case notWebSocket
        /// A WebSocket upgrade that cannot go ahead: its answer, and headers to add to it.
        case refused(Refusal, headers: [(String, String)])
        /// A valid upgrade request and its `Sec-WebSocket-Key`.
        case key(String)
    }

    /// Reads a request as a WebSocket opening handshake: a GET over HTTP/1.1 or later with
    /// `Connection: upgrade` and `Upgrade: websocket` is one; it then needs exactly one
    /// `Sec-WebSocket-Key` (else 400) and `Sec-WebSocket-Version: 13` (else 426 naming version 13,
    /// RFC 6455 §4.4).
    static func handshake(_ head: HTTPRequestHead) -> Handshake {
        guard head.method == .GET, head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1),
            head.headers[canonicalForm: "upgrade"].contains(where: { $0.lowercased() == "websocket" }),
            head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "upgrade" })
        else { return .notWebSocket }
        let versions = head.headers[canonicalForm: "sec-websocket-version"]
        guard versions.count == 1, versions[0] == "13" else {
            let sent = versions.isEmpty ? "none" : versions.joined(separator: ", ")
            return .refused(
                Refusal(.upgradeRequired, "Sec-WebSocket-Version must be 13 (RFC 6455); the request has \(sent)"),
                headers: [("Sec-WebSocket-Version", "13")]
            )
        }
        let keys = head.headers[canonicalForm: "sec-websocket-key"]
        guard keys.count == 1, !keys[0].isEmpty else {
            return .refused(
                Refusal(.badRequest, "a WebSocket upgrade needs exactly one Sec-WebSocket-Key header; the request has \(keys.count)"),
                headers: []
            )
        }
        return .key(String(keys[0]))
    }
}
