import DequeModule
import NIOCore
import NIOWebSocket

/// A client WebSocket session as a value: frames read, the `connect` event handler's calls, pings,
/// timers and the socket's end go in as events; what ``ClientSession`` must do comes out as an
/// action, which it carries out without deciding anything. In the style of Hummingbird's
/// `HTTPConnectionStateHandler`; every transition is tested without a socket, and random event
/// sequences never reach an impossible state (`SessionStateMachineTests`).
///
/// Whatever the events: the service sends at most one close frame, a message is never handed on
/// once the session is closing, messages reach the protocol handler in the order they were read
/// (one at a time while an event handler call is under way), and the end is reported once.
struct SessionStateMachine {
    enum Phase: Equatable {
        /// Added to the pipeline, not yet opened (admission is carried out as the session joins).
        case opening
        case open
        /// The service sent its close frame; waiting for the client's, or the close timeout.
        case closing
        /// Nothing more is read or written.
        case closed
    }

    /// How the service closes: the request, whether JSON clients get a `disconnected` message
    /// first, and whether the socket ends once the close frame is written (else when the client
    /// answers, or at the close timeout).
    struct Close: Equatable {
        var request: CloseRequest
        var disconnectedMessage: Bool
        var endingSocket: Bool
    }

    /// What to do with a frame the client sent.
    enum ReadAction: Equatable {
        case none
        /// Hand the message to the protocol handler, then report its outcome (``handled(_:)``).
        case process(ClientSocketHandler.InboundMessage)
        /// The message waits behind an event handler call; stop reading the socket.
        case pauseReading
        case writePong(ByteBuffer)
        /// The client closed: send this close code back, then close the channel.
        case answerClose(WebSocketErrorCode)
        /// The client answered the service's close: close the channel.
        case closeChannel
        /// The client broke the protocol.
        case close(Close)
    }

    /// What the handler does after an event handler call was answered.
    enum ResumeAction: Equatable {
        /// Hand on the next message that waited (then report its outcome, and ask again).
        case process(ClientSocketHandler.InboundMessage)
        /// Nothing waits any more: read the socket again.
        case resumeReading
        /// Another call is under way, or the session is closing: nothing.
        case none
    }

    enum PingAction: Equatable {
        case none
        case ping
        /// The client missed the last ping: close, and end the socket at once.
        case timedOut(Close)
    }

    /// The outcome of a message, as the protocol handler gave it.
    enum Handled {
        case done
        /// A protocol violation.
        case violation(CloseRequest)
        /// A blocking event handler call: the next message waits for it.
        case waiting
    }

    /// Past this many waiting messages the socket is not read until the handler answers.
    static let backlogReadLimit = 64

    private(set) var phase = Phase.opening
    /// A ping went out and no pong came back since.
    private(set) var awaitingPong = false
    /// The payload of the latest client ping not yet answered because the channel was full.
    private(set) var owedPong: ByteBuffer?
    /// Whether a message waits for an event handler's answer (§8.7: a connection's events are
    /// handled in order); later messages wait in `backlog`.
    private(set) var waitingForHandler = false
    private(set) var backlog = Deque<ClientSocketHandler.InboundMessage>()
    /// Reading stopped because messages wait for an event handler call.
    private(set) var readingPaused = false
    /// Reading stopped because a publication of this client found a loop's mailbox past its
    /// high-water mark (``LoopMailbox``): what the client sends next stays in the socket until the
    /// loop catches up, so nothing read is ever held or dropped for it.
    private(set) var pausedForDelivery = false
    /// How the socket ended, for the trace and the log; set by whoever ends it first.
    private(set) var endCode: WebSocketErrorCode?
    private(set) var endReason: String?
    /// The end was reported.
    private(set) var reported = false
    /// The service's close frame went out.
    private(set) var closeSent = false

    // MARK: Opening

    /// Admission let the session open.
    mutating func opened() {
        guard case .opening = phase else { return }
        phase = .open
    }

    /// The session could not open (a refused recovery): close without a `disconnected` message.
    mutating func refused(_ request: CloseRequest) -> Close? {
        close(request, disconnectedMessage: false)
    }

    // MARK: Reading

    /// A frame arrived; `writable` is the channel's writability.
    mutating func received(_ frame: WebSocketFrame, writable: Bool) -> ReadAction {
        switch phase {
        case .closed, .opening:
            return .none
        case .closing:
            // Only the client's close frame matters now: it completes the handshake.
            return frame.opcode == .connectionClose ? .closeChannel : .none
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
            return message(.text(data))
        case .binary:
            return message(.binary(frame.unmaskedData))
        case .ping:
            // A client that pings and never reads would have its pongs pile up in the channel: while
            // the channel cannot take more, only the latest ping's pong is owed (RFC 6455 §5.5.3 lets
            // an endpoint answer only the most recent ping).
            if writable { return .writePong(frame.unmaskedData) }
            owedPong = frame.unmaskedData
            return .none
        case .pong:
            // Any pong shows the client alive: the answer to our ping, or one sent unprompted as a
            // heartbeat (RFC 6455 §5.5.3).
            awaitingPong = false
            return .none
        case .connectionClose:
            return clientClosed(frame.unmaskedData)
        default:
            return fail(.protocolError, reason: "the client sent a frame with opcode \(frame.opcode)")
        }
    }

    private mutating func message(_ message: ClientSocketHandler.InboundMessage) -> ReadAction {
        guard waitingForHandler else { return .process(message) }
        backlog.append(message)
        if backlog.count == Self.backlogReadLimit, !readingPaused {
            readingPaused = true
            return pausedForDelivery ? .none : .pauseReading
        }
        return .none
    }

    /// The client started the close handshake: answer it (RFC 6455 §5.5.1).
    private mutating func clientClosed(_ payload: ByteBuffer) -> ReadAction {
        phase = .closed
        var data = payload
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
        return .answerClose(reply)
    }

    /// What became of a message handed on with ``ReadAction/process(_:)`` or
    /// ``ResumeAction/process(_:)``.
    mutating func handled(_ outcome: Handled) -> Close? {
        switch outcome {
        case .done:
            return nil
        case .violation(let request):
            return close(request, disconnectedMessage: true)
        case .waiting:
            waitingForHandler = true
            return nil
        }
    }

    /// An event handler call was answered (or failed).
    mutating func handlerAnswered() {
        waitingForHandler = false
    }

    /// After ``handlerAnswered()``, and after each message it hands on: the next step.
    mutating func resume() -> ResumeAction {
        guard !waitingForHandler else { return .none }
        if case .open = phase, let next = backlog.popFirst() { return .process(next) }
        backlog.removeAll()
        guard readingPaused else { return .none }
        readingPaused = false
        return pausedForDelivery ? .none : .resumeReading
    }

    /// A publication of this client found a loop behind: whether to stop reading now (false when
    /// reading is already stopped).
    mutating func deliveryBehind() -> Bool {
        guard !pausedForDelivery else { return false }
        pausedForDelivery = true
        return !readingPaused
    }

    /// The loop caught up: whether to read again now (false while messages still wait for an event
    /// handler call, whose end resumes reading).
    mutating func deliveryCaughtUp() -> Bool {
        guard pausedForDelivery else { return false }
        pausedForDelivery = false
        return !readingPaused
    }

    /// The channel's writability changed: a pong owed goes out when it can.
    mutating func writabilityChanged(writable: Bool) -> ByteBuffer? {
        guard writable, case .open = phase, let owed = owedPong else { return nil }
        owedPong = nil
        return owed
    }

    // MARK: Errors

    /// What went wrong in the pipeline below the session.
    enum PipelineError {
        /// The frame decoder: a frame over the size limit.
        case frameTooLarge
        /// The frame decoder: another violation of RFC 6455.
        case invalidFrame(String)
        /// Bytes after the decoder's error (what NIO said).
        case dataAfterDecoderError(String)
        /// The aggregator: a message over the size limit, or too many fragments.
        case messageTooLarge
        /// The aggregator: invalid fragments.
        case invalidFragments(String)
        /// Anything else: the connection failed.
        case failed(String)
    }

    enum ErrorAction: Equatable {
        case none
        case close(Close)
        case closeChannel
    }

    mutating func errorCaught(_ error: PipelineError) -> ErrorAction {
        switch error {
        case .frameTooLarge, .invalidFrame:
            // The frame decoder failed and decodes nothing more, so the client's answering close
            // frame could not be read: the close goes out, then the socket ends (at once when the
            // service's close is already out).
            guard case .open = phase else {
                phase = .closed
                return .closeChannel
            }
            if case .invalidFrame(let what) = error {
                return errorClose(fail(.protocolError, reason: "the client broke the WebSocket protocol (\(what))", endingSocket: true))
            }
            return errorClose(fail(.messageTooLarge, reason: "the client sent a message over the size limit", endingSocket: true))
        case .dataAfterDecoderError where phase == .closing:
            // The socket ends once the close frame is out.
            return .none
        case .messageTooLarge:
            return errorClose(fail(.messageTooLarge, reason: "the client sent a message over the size limit"))
        case .invalidFragments(let what):
            return errorClose(fail(.protocolError, reason: "the client sent invalid fragments (\(what))"))
        case .dataAfterDecoderError(let what), .failed(let what):
            endReason = endReason ?? "the connection failed: \(what)"
            phase = .closed
            return .closeChannel
        }
    }

    private func errorClose(_ action: ReadAction) -> ErrorAction {
        if case .close(let close) = action { return .close(close) }
        return .none
    }

    // MARK: Closing

    /// The service closes the session (a REST close, a slow client, shutdown, a violation).
    /// - Returns: the close to carry out; nil when the session is not open (once only).
    mutating func close(_ request: CloseRequest, disconnectedMessage: Bool, endingSocket: Bool = false) -> Close? {
        switch phase {
        case .opening, .open: break
        case .closing, .closed: return nil
        }
        phase = .closing
        closeSent = true
        endCode = endCode ?? request.code
        endReason = endReason ?? request.reason
        return Close(request: request, disconnectedMessage: disconnectedMessage, endingSocket: endingSocket)
    }

    /// A protocol error on the client's side: close with `code`, no `disconnected` message.
    private mutating func fail(_ code: WebSocketErrorCode, reason: String, endingSocket: Bool = false) -> ReadAction {
        endReason = endReason ?? reason
        return close(CloseRequest(code: code, reason: reason), disconnectedMessage: false, endingSocket: endingSocket).map { .close($0) } ?? .none
    }

    /// The client shut its side down (half-closure): nothing more can be read, so the session ends.
    mutating func inputClosed() {
        phase = .closed
    }

    // MARK: Timers

    /// The ping wheel's visit: close a client that did not answer the last ping, or ping it.
    mutating func pingTick() -> PingAction {
        guard case .open = phase else { return .none }
        if awaitingPong {
            endReason = "PingTimeout: no pong to a ping within the ping interval"
            guard let close = close(CloseRequest(code: .goingAway, reason: "PingTimeout"), disconnectedMessage: true) else { return .none }
            return .timedOut(close)
        }
        awaitingPong = true
        return .ping
    }

    /// The close timeout: whether to close the channel (the client did not answer in time).
    func closeTimedOut() -> Bool {
        phase == .closing
    }

    /// The socket ended (inactive, or the session left the pipeline).
    /// - Returns: the code and reason to report, the first time only.
    mutating func ended() -> (code: WebSocketErrorCode?, reason: String)? {
        phase = .closed
        guard !reported else { return nil }
        reported = true
        return (endCode, endReason ?? "the connection dropped")
    }
}
