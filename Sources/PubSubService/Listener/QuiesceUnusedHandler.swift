import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Synchronization

/// Closes a connection that has not sent a byte when the server shuts down gracefully. HTTP clients
/// open spare keep-alive connections (AsyncHTTPClient does, under concurrent requests); one that
/// never carried a request has no HTTP state handler yet to close it on the quiesce event, and the
/// shutdown would wait for the client's own idle timeout (a minute). Leaves the pipeline at the
/// first bytes.
final class QuiesceUnusedHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
