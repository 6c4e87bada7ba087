import DequeModule
import Logging
import NIOCore
import NIOWebSocket
import PubSubCore

/// One client WebSocket, run entirely on its channel's event loop: no task, stream or actor per
/// connection. It sits at the end of the pipeline ``ClientHandshakeHandler`` sets up for an upgraded
/// socket (NIO's frame decoder and encoder, fragment aggregator) and does the rest of RFC 6455 a
/// server owes: closing
/// on the decoder's protocol errors, UTF-8 checks, answering pings, pinging (through its event
/// loop's ``PingWheel``; a client that misses a pong is closed), and the close handshake. Messages
/// go to ``ClientSocketHandler``; frames to the client go out through the connection's
/// ``ChannelWriter``.
final class ClientSession: ChannelInboundHandler, NIOScheduledCallbackHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private enum Phase {
        case open
        /// The service sent its close frame; waiting for the client's, or the close timeout.
        case closing
        /// Nothing more is read or written.
        case closed
    }

    // What a ping wheel visit reads, first: one cache line of an object that is otherwise cold.
    private var phase = Phase.open
    /// A ping went out and no pong came back since.
    private var awaitingPong = false
    /// The payload of the latest client ping not yet answered because the channel was full.
    private var owedPong: ByteBuffer?
    /// Where the session sits in its ``PingWheel`` (slot, index); nil when not pinged.
    var wheelPosition: (slot: Int, index: Int)?
    /// Where pings are written: the frame encoder's context, so that the ready-made ping frame
    /// goes straight to the socket.
    private var pingContext: ChannelHandlerContext?

    private let protocolHandler: ClientSocketHandler
    /// Who the client is, until the session opens (then released: it holds the whole token, and
    /// idle connections are counted in bytes).
    private var admission: PendingAdmission?
    private let closeTimeout: TimeAmount
    private let queueLimit: Int
    private let queueByteLimit: Int
    private let clock: ServiceClock

    private var context: ChannelHandlerContext?
    private var connection: ClientConnection?
    private var transport: Transport?
    /// The close timeout, once the service sent its close frame.
    private var timer: NIOScheduledCallback?
    private var wheel: PingWheel?
    /// How the socket ended, for the trace and the log; set by whoever ends it first.
    private var endCode: WebSocketErrorCode?
    private var endReason: String?
    private var finished = false
    /// Whether a message waits for an event handler's answer (§8.7: a connection's events are
    /// handled in order); later messages wait in `backlog`.
    private var waitingForHandler = false
    private var backlog = Deque<ClientSocketHandler.InboundMessage>()
    /// Past this many waiting messages the socket is not read until the handler answers.
    private static let backlogReadLimit = 64

    init(protocolHandler: ClientSocketHandler, admission: ClientAdmission, closeTimeout: Duration) {
        self.protocolHandler = protocolHandler
        self.admission = PendingAdmission(admission)
        self.closeTimeout = TimeAmount(closeTimeout)
        self.queueLimit = protocolHandler.context.configuration.outboundQueueLimit
        self.queueByteLimit = protocolHandler.context.configuration.outboundQueueByteLimit
        self.clock = protocolHandler.context.configuration.clock
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let session = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        // The frame encoder's context: frames encoded once per publish are written below it.
        let encoder = try? context.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        let transport = Transport(
            frames: ChannelWriter(channel: context.channel, encoder: encoder, limit: queueLimit, byteLimit: queueByteLimit, clock: clock),
            close: { request in
                eventLoop.execute { session.value.close(request, disconnectedMessage: true) }
            },
            id: ClientSocketHandler.nextTransportID()
        )
        guard let admission = admission?.value else { return }
        self.admission = nil
        switch protocolHandler.open(admission, transport: transport, on: context.eventLoop) {
        case .refused(let refusal):
            close(refusal, disconnectedMessage: false)
        case .opened(let connection):
            self.connection = connection
            self.transport = transport
            pingContext = encoder
            let wheel = protocolHandler.context.pingWheels.wheel(on: context.eventLoop)
            wheel.add(self)
            self.wheel = wheel
            // `connected` (and a recovered session's replay) now, with the handshake's unflushed
            // 101 in the same flush, rather than on the event loop's next turn.
            transport.frames.drain()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        self.context = nil
        pingContext = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    /// The server allows half-closure, so a client that shuts its side down arrives here rather than
    /// as an inactive channel: nothing more can be read, so the session ends.
    ///
    /// The server's graceful shutdown (`ChannelShouldQuiesceEvent`) closes the session as
    /// `ConnectionCloser` does, so that a server built without it still ends its sockets.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            phase = .closed
            context.close(promise: nil)
        case is ChannelShouldQuiesceEvent:
            close(CloseRequest(code: .goingAway, reason: "the service is shutting down"), disconnectedMessage: true)
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let owed = owedPong, case .open = phase {
            owedPong = nil
            context.writeAndFlush(Self.wrapOutboundOut(Framing.pong(owed)), promise: nil)
        }
        transport?.frames.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    /// Reports the end of the socket to the protocol handler, once.
    private func finish() {
        guard !finished else { return }
        finished = true
        phase = .closed
        timer?.cancel()
        timer = nil
        stopPinging()
        if let connection, let transport {
            protocolHandler.closed(connection, transport: transport, code: endCode, reason: endReason ?? "the connection dropped")
        }
        connection = nil
        transport = nil
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch phase {
        case .closed:
            return
        case .closing:
            // Only the client's close frame matters now: it completes the handshake.
            if frame.opcode == .connectionClose { context.close(promise: nil) }
            return
        case .open:
            break
        }
        guard frame.reservedBits.isEmpty else {
            return fail(.protocolError, reason: "the client set reserved bits no extension was agreed for")
        }
        switch frame.opcode {
        case .text:
            let data = frame.unmaskedData
            guard String(validating: data.readableBytesView, as: UTF8.self) != nil else {
                return fail(.dataInconsistentWithMessage, reason: "the client sent a text frame that is not valid UTF-8")
            }
            handle(.text(data))
        case .binary:
            handle(.binary(frame.unmaskedData))
        case .ping:
            // A client that pings and never reads would have its pongs pile up in the channel: while
            // the channel cannot take more, only the latest ping's pong is owed (RFC 6455 §5.5.3 lets
            // an endpoint answer only the most recent ping).
            if context.channel.isWritable {
                context.writeAndFlush(Self.wrapOutboundOut(Framing.pong(frame.unmaskedData)), promise: nil)
            } else {
                owedPong = frame.unmaskedData
            }
        case .pong:
            // Any pong shows the client alive: the answer to our ping, or one sent unprompted as a
            // heartbeat (RFC 6455 §5.5.3).
            awaitingPong = false
        case .connectionClose:
            clientClosed(frame, context: context)
        default:
            fail(.protocolError, reason: "the client sent a frame with opcode \(frame.opcode)")
        }
    }

    private func handle(_ message: ClientSocketHandler.InboundMessage) {
        guard connection != nil else { return }
        if waitingForHandler {
            backlog.append(message)
            if backlog.count == Self.backlogReadLimit { setReading(false) }
            return
        }
        process(message)
    }

    private func process(_ message: ClientSocketHandler.InboundMessage) {
        guard let connection, let context else { return }
        switch protocolHandler.handle(message, connection: connection, on: context.eventLoop) {
        case .done:
            break
        case .close(let violation):
            close(violation, disconnectedMessage: true)
        case .waiting(let call):
            waitingForHandler = true
            let session = NIOLoopBound(self, eventLoop: context.eventLoop)
            call.hop(to: context.eventLoop).whenComplete { _ in session.value.handlerAnswered() }
        }
    }

    /// The event handler answered (or failed): the messages that waited go on, in order.
    private func handlerAnswered() {
        waitingForHandler = false
        while !waitingForHandler, case .open = phase, let next = backlog.popFirst() {
            process(next)
        }
        if !waitingForHandler {
            backlog.removeAll()
            setReading(true)
        }
    }

    private func setReading(_ on: Bool) {
        guard let context else { return }
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: on)
        if on { context.read() }
    }

    /// The client started the close handshake: answer it and close (RFC 6455 §5.5.1).
    private func clientClosed(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        phase = .closed
        var data = frame.unmaskedData
        let size = data.readableBytes
        let code = data.readWebSocketErrorCode()
        let reason = data.readableBytes > 0 ? String(validating: data.readableBytesView, as: UTF8.self) : ""
        let reply: WebSocketErrorCode
        switch code {
        case nil where size > 0, .unknown(0..<3000)?, .unknown(5000...)?:
            reply = .protocolError
        default:
            reply = reason == nil ? .protocolError : .normalClosure
        }
        endCode = code
        let detail = (reason ?? "").isEmpty ? "" : ": \(reason ?? "")"
        endReason = "closed by the client" + (code.map { " with \(UInt16(webSocketErrorCode: $0))\(detail)" } ?? "")
        let loopBoundContext = context.loopBound
        context.writeAndFlush(Self.wrapOutboundOut(Framing.close(reply, reason: nil, allocator: context.channel.allocator)))
            .whenComplete { _ in loopBoundContext.value.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case let error as NIOWebSocketError:
            // The frame decoder failed and decodes nothing more, so the client's answering close
            // frame could not be read: the close goes out, then the socket ends (at once when the
            // service's close is already out).
            guard case .open = phase else {
                phase = .closed
                context.close(promise: nil)
                return
            }
            if case .invalidFrameLength = error {
                fail(.messageTooLarge, reason: "the client sent a message over the size limit", endingSocket: true)
            } else {
                fail(.protocolError, reason: "the client broke the WebSocket protocol (\(error))", endingSocket: true)
            }
        case ByteToMessageDecoderError.dataReceivedInErrorState where phase == .closing:
            // Bytes after the decoder's error: the socket ends once the close frame is out.
            break
        case NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge, NIOWebSocketFrameAggregator.Error.tooManyFragments:
            fail(.messageTooLarge, reason: "the client sent a message over the size limit")
        case let error as NIOWebSocketFrameAggregator.Error:
            fail(.protocolError, reason: "the client sent invalid fragments (\(error))")
        default:
            endReason = endReason ?? "the connection failed: \(error)"
            phase = .closed
            context.close(promise: nil)
        }
    }

    // MARK: Closing

    /// The service closes the socket: for JSON clients a `disconnected` message first, then the
    /// close frame; the channel closes when the client answers, or after the close timeout.
    /// With `endingSocket` the channel closes once the close frame is written instead.
    func close(_ request: CloseRequest, disconnectedMessage: Bool, endingSocket: Bool = false) {
        guard case .open = phase, let context else { return }
        phase = .closing
        stopPinging()
        endCode = endCode ?? request.code
        endReason = endReason ?? request.reason
        // What was queued before the close goes out first (if the client is reading at all).
        transport?.frames.drain()
        transport?.frames.finish()
        if disconnectedMessage, let connection, connection.wireProtocol.format != .simple {
            let goodbye = OutboundFrame.message(.disconnected(message: request.reason)).webSocketFrame
            context.write(Self.wrapOutboundOut(goodbye), promise: nil)
        }
        let frame = Self.wrapOutboundOut(Framing.close(request.code, reason: request.reason, allocator: context.channel.allocator))
        if endingSocket {
            let loopBoundContext = context.loopBound
            context.writeAndFlush(frame).whenComplete { _ in loopBoundContext.value.close(promise: nil) }
        } else {
            context.writeAndFlush(frame, promise: nil)
            schedule(after: closeTimeout)
        }
    }

    /// A protocol error on the client's side: close with `code`, no `disconnected` message.
    private func fail(_ code: WebSocketErrorCode, reason: String, endingSocket: Bool = false) {
        endReason = endReason ?? reason
        close(CloseRequest(code: code, reason: reason), disconnectedMessage: false, endingSocket: endingSocket)
    }

    // MARK: Timers

    /// Visited by the ping wheel once per ping interval: closes a client that did not answer the
    /// last ping, or pings it.
    func pingTick() {
        guard case .open = phase else { return }
        if awaitingPong {
            endReason = "PingTimeout: no pong to a ping within the ping interval"
            close(CloseRequest(code: .goingAway, reason: "PingTimeout"), disconnectedMessage: true)
            context?.close(promise: nil)
            return
        }
        awaitingPong = true
        if let pingContext {
            // Below the encoder: the frame is already encoded, one shared buffer for every ping
            // (no allocation, no header buffer, one write). The session's own context is not
            // touched: another cold object.
            pingContext.writeAndFlush(NIOAny(Framing.encodedPing), promise: nil)
        } else if let context {
            context.writeAndFlush(Self.wrapOutboundOut(Framing.ping), promise: nil)
        }
    }

    private func stopPinging() {
        wheel?.remove(self)
        wheel = nil
    }

    private func schedule(after delay: TimeAmount) {
        guard let context else { return }
        timer?.cancel()
        timer = try? context.eventLoop.assumeIsolated().scheduleCallback(in: delay, handler: self)
    }

    /// The close timeout: the client did not answer the service's close frame in time.
    func handleScheduledCallback(eventLoop: some EventLoop) {
        timer = nil
        guard case .closing = phase, let context else { return }
        context.close(promise: nil)
    }
}

/// The admission a session opens with, boxed: it is needed once, when the session joins the
/// pipeline, and stored inline it kept a few hundred bytes in every session for its whole life.
private final class PendingAdmission {
    let value: ClientAdmission
    init(_ value: ClientAdmission) { self.value = value }
}
