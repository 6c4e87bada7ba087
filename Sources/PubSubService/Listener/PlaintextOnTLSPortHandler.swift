import NIOCore
import NIOSSL
import PubSubCore

/// Answers a plain-HTTP request on the TLS port with a 400 that says to use https:// or wss://
/// (TLS would only see a malformed record and drop the connection without a word); a TLS
/// handshake (its first byte is a handshake record, 0x16) passes on, and this handler leaves.
///
/// After the answer only the output is closed and the rest of the request is read and dropped
/// until the client closes (closing with unread bytes would send a reset that can destroy the
/// answer in flight); the handshake timeout behind this handler bounds how long that may take.
final class PlaintextOnTLSPortHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var answered = false

    static let answer: String = {
        let body = "this port speaks TLS: use https:// or wss://\n"
        return "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        let bytes = Self.unwrapInboundIn(data)
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        // Every HTTP method starts with an ASCII capital letter; no TLS record does.
        if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) {
            answered = true
            context.writeAndFlush(Self.wrapOutboundOut(context.channel.allocator.buffer(string: Self.answer)), promise: nil)
            context.close(mode: .output, promise: nil)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if answered, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
