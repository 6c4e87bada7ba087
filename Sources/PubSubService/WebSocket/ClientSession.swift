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

    /// Decides every step; this handler carries the steps out.
    private var machine = SessionStateMachine()
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
            if let close = machine.refused(refusal) { perform(close) }
        case .opened(let connection):
            machine.opened()
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
            machine.inputClosed()
            context.close(promise: nil)
        case is ChannelShouldQuiesceEvent:
            close(CloseRequest(code: .goingAway, reason: "the service is shutting down"), disconnectedMessage: true)
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let owed = machine.writabilityChanged(writable: context.channel.isWritable) {
            context.writeAndFlush(Self.wrapOutboundOut(Framing.pong(owed)), promise: nil)
        }
        transport?.frames.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    /// Reports the end of the socket to the protocol handler, once.
    private func finish() {
        guard let end = machine.ended() else { return }
        timer?.cancel()
        timer = nil
        stopPinging()
        if let connection, let transport {
            protocolHandler.closed(connection, transport: transport, code: end.code, reason: end.reason)
        }
        connection = nil
        transport = nil
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch machine.received(Self.unwrapInboundIn(data), writable: context.channel.isWritable) {
        case .none:
            break
        case .process(let message):
            process(message)
        case .pauseReading:
            setReading(false)
        case .writePong(let data):
            context.writeAndFlush(Self.wrapOutboundOut(Framing.pong(data)), promise: nil)
        case .answerClose(let reply):
            let loopBoundContext = context.loopBound
            context.writeAndFlush(Self.wrapOutboundOut(Framing.close(reply, reason: nil, allocator: context.channel.allocator)))
                .whenComplete { _ in loopBoundContext.value.close(promise: nil) }
        case .closeChannel:
            context.close(promise: nil)
        case .close(let close):
            perform(close)
        }
    }

    /// Hands a message to the protocol handler and tells the machine what became of it.
    private func process(_ message: ClientSocketHandler.InboundMessage) {
        guard let connection, let context else { return }
        switch protocolHandler.handle(message, connection: connection, on: context.eventLoop) {
        case .done:
            _ = machine.handled(.done)
        case .close(let violation):
            if let close = machine.handled(.violation(violation)) { perform(close) }
        case .waiting(let call):
            _ = machine.handled(.waiting)
            let session = NIOLoopBound(self, eventLoop: context.eventLoop)
            call.hop(to: context.eventLoop).whenComplete { _ in session.value.handlerAnswered() }
        case .slowDown(let caughtUp):
            _ = machine.handled(.done)
            if machine.deliveryBehind() { setReading(false) }
            let session = NIOLoopBound(self, eventLoop: context.eventLoop)
            caughtUp.hop(to: context.eventLoop).whenComplete { _ in session.value.deliveryCaughtUp() }
        }
    }

    /// The loops caught up with this client's publications: read its socket again.
    private func deliveryCaughtUp() {
        if machine.deliveryCaughtUp() { setReading(true) }
    }

    /// The event handler answered (or failed): the messages that waited go on, in order.
    private func handlerAnswered() {
        machine.handlerAnswered()
        while true {
            switch machine.resume() {
            case .process(let message): process(message)
            case .resumeReading: return setReading(true)
            case .none: return
            }
        }
    }

    private func setReading(_ on: Bool) {
        guard let context else { return }
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: on)
        if on { context.read() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let kind: SessionStateMachine.PipelineError
        switch error {
        case NIOWebSocketError.invalidFrameLength: kind = .frameTooLarge
        case let error as NIOWebSocketError: kind = .invalidFrame("\(error)")
        case ByteToMessageDecoderError.dataReceivedInErrorState: kind = .dataAfterDecoderError("\(error)")
        case NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge, NIOWebSocketFrameAggregator.Error.tooManyFragments: kind = .messageTooLarge
        case let error as NIOWebSocketFrameAggregator.Error: kind = .invalidFragments("\(error)")
        default: kind = .failed("\(error)")
        }
        switch machine.errorCaught(kind) {
        case .none: break
        case .close(let close): perform(close)
        case .closeChannel: context.close(promise: nil)
        }
    }

    // MARK: Closing

    /// The service closes the socket: for JSON clients a `disconnected` message first, then the
    /// close frame; the channel closes when the client answers, or after the close timeout.
    /// With `endingSocket` the channel closes once the close frame is written instead.
    func close(_ request: CloseRequest, disconnectedMessage: Bool, endingSocket: Bool = false) {
        guard context != nil, let close = machine.close(request, disconnectedMessage: disconnectedMessage, endingSocket: endingSocket) else { return }
        perform(close)
    }

    /// Carries out a close the machine decided.
    private func perform(_ close: SessionStateMachine.Close) {
        guard let context else { return }
        stopPinging()
        // What was queued before the close goes out first (if the client is reading at all).
        transport?.frames.drain()
        transport?.frames.finish()
        if close.disconnectedMessage, let connection, connection.wireProtocol.format != .simple {
            let goodbye = OutboundFrame.message(.disconnected(message: close.request.reason)).webSocketFrame
            context.write(Self.wrapOutboundOut(goodbye), promise: nil)
        }
        let frame = Self.wrapOutboundOut(Framing.close(close.request.code, reason: close.request.reason, allocator: context.channel.allocator))
        if close.endingSocket {
            let loopBoundContext = context.loopBound
            context.writeAndFlush(frame).whenComplete { _ in loopBoundContext.value.close(promise: nil) }
        } else {
            context.writeAndFlush(frame, promise: nil)
            schedule(after: closeTimeout)
        }
    }

    // MARK: Timers

    /// Visited by the ping wheel once per ping interval: closes a client that did not answer the
    /// last ping, or pings it.
    func pingTick() {
        switch machine.pingTick() {
        case .none:
            break
        case .timedOut(let close):
            perform(close)
            context?.close(promise: nil)
        case .ping:
            if let pingContext {
                // Below the encoder: the frame is already encoded, one shared buffer for every ping
                // (no allocation, no header buffer, one write). The session's own context is not
                // touched: another cold object.
                pingContext.writeAndFlush(NIOAny(Framing.encodedPing), promise: nil)
            } else if let context {
                context.writeAndFlush(Self.wrapOutboundOut(Framing.ping), promise: nil)
            }
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
        guard machine.closeTimedOut(), let context else { return }
        context.close(promise: nil)
    }
}

/// The admission a session opens with, boxed: it is needed once, when the session joins the
/// pipeline, and stored inline it kept a few hundred bytes in every session for its whole life.
private final class PendingAdmission {
    let value: ClientAdmission
    init(_ value: ClientAdmission) { self.value = value }
}
