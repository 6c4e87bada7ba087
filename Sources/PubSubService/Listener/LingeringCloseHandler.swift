import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Ends an HTTP connection whose response is answered while its request body is still arriving
/// (a 413 for a body over the limit, a 401 for a request without a token): the response says
/// `Connection: close`, the service stops reading the body, half-closes once the response is
/// written, and discards what still comes for at most ``linger`` before closing for good.
///
/// Without it the server would read the rest of the body before the next request, so a peer could
/// hold a connection as long as it kept sending (a 10 GB body, or one trickled below the idle
/// timeout). The linger lets the client read the response before the close, as nginx does.
final class LingeringCloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// How long the rest of a refused body is read and discarded before the connection closes.
    static let linger: TimeAmount = .seconds(2)

    /// Requests whose end has been read, and responses written to their end. Requests are answered
    /// in order, so while the two are equal the request being answered is still arriving (a
    /// pipelined request read behind it does not count). Wrapping: only their equality is used.
    private var requestsEnded = 0
    private var responsesEnded = 0
    private var answeredRequestIsOpen: Bool { requestsEnded == responsesEnded }
    /// The response now being written closes the connection.
    private var closing = false
    /// The response is written: inbound bytes are discarded until the close.
    private var lingering = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Once the response closes the connection, nothing more of the request is passed on.
        guard !lingering, !closing else { return }
        if case .end = unwrapInboundIn(data) { requestsEnded &+= 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where answeredRequestIsOpen && !closing:
            closing = true
            head.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end where closing:
            lingering = true
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            context.write(data, promise: written)
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in
                let context = loopBound.value
                context.close(mode: .output, promise: nil)
                context.eventLoop.assumeIsolated().scheduleTask(in: Self.linger) {
                    context.close(promise: nil)
                }
            }
        case .end:
            responsesEnded &+= 1
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }
}
