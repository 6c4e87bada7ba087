import NIOCore
import NIOHTTP1
import NIOWebSocket
import PubSubCore

/// The client's side of the WebSocket opening handshake (RFC 6455 §4.1), in one handler: it sends
/// the upgrade request when the connection is up, checks the service's 101, puts the frame codec in
/// place of NIO's HTTP handlers and hands the channel to the caller's `configure`; any other answer
/// is a refusal, read to its end (status and the first 2 KB of the body).
///
/// This does what NIO's typed client upgrade handler and WebSocket upgrader did for us, without
/// their futures, configuration objects and the extra handlers we needed around them (a response
/// observer and a gate for the end of input): the load generator of `pubsub bench` opens thousands
/// of connections a second with it, on the same cores as the service it measures. The parts that
/// are NIO's stay NIO's: HTTP encoding and parsing, WebSocket framing. The checks of the 101 are
/// those NIO's upgrader made: `Upgrade: websocket` and the `Sec-WebSocket-Accept` that matches the
/// key sent (``WebSocketAccept``).
///
/// Bytes that arrive with the 101 (often the service's first frame, or its close) reach the frame
/// decoder: the response decoder (``UpgradeResponseDecoder``) hands on what it did not parse, with a
/// read-complete of its own, also when the end of input (`allowRemoteHalfClosure`) comes before it
/// has left the pipeline, so a close frame sent right before a FIN is read before the FIN is seen.
final class WebSocketHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// What the handshake came to.
    enum Outcome {
        /// The service switched to WebSocket; `configure` has run and the frame handlers are in place.
        case upgraded
        /// The service answered something else.
        case refused(status: HTTPResponseStatus, body: String)
    }

    private enum State {
        /// The request is out (or goes out once the connection is up); no answer yet.
        case requesting
        /// A valid 101 head; its end comes next.
        case switching(subprotocol: String?)
        /// Another status: its body is read to the end.
        case refused(HTTPResponseStatus, body: String)
        /// The outcome is given.
        case done
    }

    private static let maxRefusalBody = 2048

    private var state = State.requesting
    private var requestSent = false
    private let request: HTTPRequestHead
    private let expectedAccept: String
    private let maxFrameSize: Int
    private let requestEncoder: HTTPRequestEncoder
    private let responseDecoder: ByteToMessageHandler<UpgradeResponseDecoder>
    private let responseParser: UpgradeResponseDecoder
    /// Adds the caller's handlers after the frame codec; called once, on the channel's loop.
    private let configure: (any Channel, _ subprotocol: String?) throws -> Void
    /// Called once, with the outcome or the error that ended the handshake.
    private let finished: (Result<Outcome, any Error>) -> Void

    /// - Parameter request: the upgrade request without its WebSocket headers; they are added here,
    ///   with a fresh `Sec-WebSocket-Key`.
    private init(
        request: HTTPRequestHead,
        maxFrameSize: Int,
        configure: @escaping (any Channel, _ subprotocol: String?) throws -> Void,
        finished: @escaping (Result<Outcome, any Error>) -> Void
    ) {
        let key = NIOWebSocketClientUpgrader.randomRequestKey()
        var request = request
        request.headers.add(name: "Connection", value: "upgrade")
        request.headers.add(name: "Upgrade", value: "websocket")
        request.headers.add(name: "Sec-WebSocket-Key", value: key)
        request.headers.add(name: "Sec-WebSocket-Version", value: "13")
        self.request = request
        self.expectedAccept = WebSocketAccept.value(forKey: key)
        self.maxFrameSize = maxFrameSize
        self.requestEncoder = HTTPRequestEncoder()
        self.responseParser = UpgradeResponseDecoder(request: request)
        self.responseDecoder = ByteToMessageHandler(responseParser)
        self.configure = configure
        self.finished = finished
    }

    /// Adds NIO's request encoder, the response decoder and the handshake handler to `pipeline`
    /// (after what it already has, such as TLS); the request goes out once the connection is up.
    static func install(
        in pipeline: ChannelPipeline.SynchronousOperations,
        request: HTTPRequestHead,
        maxFrameSize: Int,
        configure: @escaping (any Channel, _ subprotocol: String?) throws -> Void,
        finished: @escaping (Result<Outcome, any Error>) -> Void
    ) throws {
        let handshake = WebSocketHandshakeHandler(request: request, maxFrameSize: maxFrameSize, configure: configure, finished: finished)
        try pipeline.addHandlers([handshake.requestEncoder, handshake.responseDecoder, handshake])
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    private func sendRequest(context: ChannelHandlerContext) {
        guard !requestSent else { return }
        requestSent = true
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.requesting, .head(let head)) where head.status == .switchingProtocols:
            do {
                try check(head)
                state = .switching(subprotocol: head.headers.first(name: "Sec-WebSocket-Protocol"))
            } catch {
                fail(context: context, error)
            }
        case (.requesting, .head(let head)):
            state = .refused(head.status, body: "")
        case (.requesting, _):
            // NIO's decoder gives a head first; anything else is a broken connection.
            fail(context: context, WebSocketHandshakeError.noResponse)
        case (.switching(let subprotocol), .end):
            upgrade(context: context, subprotocol: subprotocol)
        case (.switching, _):
            // A 101 has no body; NIO's upgrader ignored one too.
            break
        case (.refused(let status, var body), .body(let buffer)):
            if body.utf8.count < Self.maxRefusalBody {
                body += String(buffer: buffer)
                state = .refused(status, body: body)
            }
        case (.refused(let status, let body), .end):
            refused(context: context, status: status, body: body)
        case (.refused, .head), (.done, _):
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Before the upgrade the end of input ends the handshake; after it this handler is gone.
        if case .inputClosed? = event as? ChannelEvent {
            ended(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        ended(context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard case .done = state else {
            fail(context: context, error)
            return
        }
        context.fireErrorCaught(error)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Removed some other way (the channel closed before it opened): the caller still gets an answer.
        if case .done = state { return }
        state = .done
        finished(.failure(ChannelError.ioOnClosedChannel))
    }

    // MARK: Outcomes

    /// The 101 is one for this request: RFC 6455 §4.1's `Upgrade` and `Sec-WebSocket-Accept` checks.
    private func check(_ head: HTTPResponseHead) throws(WebSocketHandshakeError) {
        guard head.headers[canonicalForm: "upgrade"].first?.lowercased() == "websocket" else {
            throw .notWebSocket("its Upgrade header is \(head.headers.first(name: "Upgrade").map { "\"\($0)\"" } ?? "missing"), not \"websocket\"")
        }
        let accept = head.headers[canonicalForm: "sec-websocket-accept"]
        guard accept.count == 1, accept[0] == expectedAccept else {
            throw .notWebSocket(accept.isEmpty ? "it has no Sec-WebSocket-Accept header" : "its Sec-WebSocket-Accept does not match the key sent")
        }
    }

    private func upgrade(context: ChannelHandlerContext, subprotocol: String?) {
        let pipeline = context.pipeline.syncOperations
        do {
            // The request encoder goes before anything can write a frame; the response decoder last,
            // as it hands on the bytes that came after the 101 to the frame decoder.
            pipeline.removeHandler(requestEncoder, promise: nil)
            try pipeline.addHandlers(
                [
                    WebSocketFrameEncoder(),
                    ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrameSize)),
                    OversizedFrameReporter(maxFrameSize: maxFrameSize),
                    WebSocketProtocolErrorHandler(isServer: false),
                ],
                position: .last
            )
            try configure(context.channel, subprotocol)
        } catch {
            fail(context: context, error)
            return
        }
        state = .done
        finished(.success(.upgraded))
        pipeline.removeHandler(context: context, promise: nil)
        // From here the decoder hands on what it holds and what comes, until it has left.
        responseParser.upgraded = true
        pipeline.removeHandler(responseDecoder, promise: nil)
    }

    private func refused(context: ChannelHandlerContext, status: HTTPResponseStatus, body: String) {
        state = .done
        finished(.success(.refused(status: status, body: body)))
        // Nothing more is meant to come on this connection.
        context.close(promise: nil)
    }

    /// The connection ended (or its input did) before the handshake did.
    private func ended(context: ChannelHandlerContext) {
        switch state {
        case .refused(let status, let body):
            // A refusal whose body runs to the end of the connection.
            refused(context: context, status: status, body: body)
        case .requesting, .switching:
            fail(context: context, WebSocketHandshakeError.noResponse)
        case .done:
            break
        }
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        if case .done = state { return }
        state = .done
        finished(.failure(error))
        context.close(promise: nil)
    }
}

/// Why an opening handshake failed on the client's side.
/// Says why the connection ends when the service sends a frame over the limit. The frame decoder
/// refuses it before reading its payload, and `WebSocketProtocolErrorHandler` (next) answers with
/// close 1009; the reader above would see only the socket end. So this handler hands the reader a
/// close frame of its own, 1009 with the reason, before the error goes on to be answered.
final class OversizedFrameReporter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    private let maxFrameSize: Int
    private var reported = false

    init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !reported, let error = error as? NIOWebSocketError, error == .invalidFrameLength {
            reported = true
            var data = context.channel.allocator.buffer(capacity: 128)
            data.write(webSocketErrorCode: .messageTooLarge)
            data.writeString("the service sent a frame over \(maxFrameSize) bytes, the most a client takes")
            context.fireChannelRead(Self.wrapInboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
        }
        context.fireErrorCaught(error)
    }
}

enum WebSocketHandshakeError: Error, CustomStringConvertible {
    /// The connection ended before a complete answer to the upgrade request.
    case noResponse
    /// A 101 that is not RFC 6455's: what is wrong with it.
    case notWebSocket(String)

    var description: String {
        switch self {
        case .noResponse: return "the connection closed before the server answered the WebSocket upgrade"
        case .notWebSocket(let problem): return "the server switched protocols but not to WebSocket: \(problem)"
        }
    }
}

/// NIO's HTTP response decoder for the one answer to an upgrade request, without its outbound half,
/// and one that hands on every byte after the 101.
///
/// `HTTPResponseDecoder` watches the requests written past it to pair each response with its
/// method, which makes its `ByteToMessageHandler` an outbound handler too, one that takes only HTTP
/// request parts. The decoder leaves the pipeline a moment after the upgrade (its handler finishes
/// removal in a task of its own), and a frame written in that moment would reach it. Here the one
/// request is told to the decoder up front and writes pass it by.
///
/// In that moment the end of input can come too (a service that closes right after the upgrade);
/// NIO's decoder drops the bytes it holds when it sees it (its `forwardBytes` holds only for a
/// removal), and the frames that came with the 101 would be lost. Once ``upgraded`` is set this one
/// forwards whatever reaches it, as it comes and at the end.
final class UpgradeResponseDecoder: ByteToMessageDecoder {
    typealias InboundOut = HTTPClientResponsePart

    private let decoder = HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes)
    /// The 101 has been read and the WebSocket handlers follow: bytes are frames now.
    var upgraded = false

    init(request: HTTPRequestHead) {
        decoder.write(data: .head(request))
    }

    func decoderAdded(context: ChannelHandlerContext) {
        decoder.decoderAdded(context: context)
    }

    func decoderRemoved(context: ChannelHandlerContext) {
        decoder.decoderRemoved(context: context)
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard !upgraded else {
            forward(&buffer, context: context)
            return .needMoreData
        }
        return try decoder.decode(context: context, buffer: &buffer)
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        guard !upgraded else {
            // Called when the handler leaves the pipeline (a task of its own, after the read that
            // brought the 101 has completed) or at the end of input: no read completes after these
            // bytes, and handlers that hand on reads in batches (`NIOAsyncChannel`) wait for one.
            if forward(&buffer, context: context) { context.fireChannelReadComplete() }
            return .needMoreData
        }
        return try decoder.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
    }

    /// Hands on what `buffer` holds; whether there was anything.
    @discardableResult
    private func forward(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) -> Bool {
        guard buffer.readableBytes > 0 else { return false }
        context.fireChannelRead(NIOAny(buffer))
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return true
    }
}
