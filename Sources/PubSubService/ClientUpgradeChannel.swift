import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
// `WebSocketHandler.handle` is the WebSocket session loop hummingbird-websocket itself runs after an
// upgrade; it is exposed to integrations as SPI. We need our own channel only to answer a refused
// upgrade with its real status and reason: hummingbird-websocket's channel answers every declined
// upgrade with an empty 400, and Web PubSub clients expect 401 with a reason (§4.4).
@_spi(WSInternal) import WSCore

/// The server child channel: HTTP/1.1 for REST, and the WebSocket upgrade for clients, admitted (or
/// refused with its status and reason) by ``ClientAdmission``.
struct ClientUpgradeChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, Request, ClientAdmission)
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, AdmissionRefusal)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    struct SocketContext: WebSocketContext {
        let logger: Logger
    }

    typealias SocketHandler = @Sendable (WebSocketInboundStream, WebSocketOutboundWriter, Request, ClientAdmission, any Channel) async throws -> Void

    let responder: HTTPChannelHandler.Responder
    let webSocket: WebSocketServerConfiguration
    let admit: @Sendable (Request) -> Result<ClientAdmission, AdmissionRefusal>
    let socketHandler: SocketHandler

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let refusal = NIOLoopBoundBox<AdmissionRefusal?>(nil, eventLoop: channel.eventLoop)
            let admitted = NIOLoopBoundBox<(Request, ClientAdmission)?>(nil, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: webSocket.maxFrameSize,
                shouldUpgrade: { channel, head in
                    let request: Request
                    do {
                        request = Request(head: try HTTPRequest(head, secure: false, splitCookie: false), body: .init(buffer: ByteBuffer()))
                    } catch {
                        refusal.value = AdmissionRefusal(status: .badRequest, reason: "the upgrade request is malformed")
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    switch admit(request) {
                    case .failure(let refused):
                        refusal.value = refused
                        return channel.eventLoop.makeSucceededFuture(nil)
                    case .success(let admission):
                        admitted.value = (request, admission)
                        var headers = HTTPHeaders()
                        if let subprotocol = admission.kind.subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
                        return channel.eventLoop.makeSucceededFuture(headers)
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        let socket = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        guard let (request, admission) = admitted.value else { throw ChannelError.inappropriateOperationForState }
                        return .websocket(socket, request, admission)
                    }
                }
            )
            let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration<UpgradeResult>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        if let refused = refusal.value { return .refused(http, refused) }
                        return .notUpgraded(http)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: upgradeConfiguration)
            configuration.enablePipelining = false  // NIOAsyncChannel serialises requests
            configuration.enableErrorHandling = false  // Hummingbird answers errors
            configuration.enableResponseHeaderValidation = false  // HTTPTypes validates
            let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            return Value(upgradeResult: negotiated, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .notUpgraded(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let refusal):
                try await http.executeThenClose { _, outbound in
                    let body = ByteBuffer(string: refusal.reason + "\n")
                    let head = HTTPResponse(
                        status: refusal.status,
                        headerFields: [
                            .connection: "close", .contentType: "text/plain; charset=utf-8",
                            .contentLength: String(body.readableBytes),
                        ]
                    )
                    try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
                }
            case .websocket(let socket, let request, let admission):
                _ = try await WebSocketHandler.handle(
                    type: .server,
                    configuration: .init(
                        extensions: [],
                        autoPing: webSocket.autoPing,
                        closeTimeout: webSocket.closeTimeout,
                        validateUTF8: webSocket.validateUTF8,
                        maxFrameSize: webSocket.maxFrameSize
                    ),
                    asyncChannel: socket,
                    context: SocketContext(logger: logger),
                    handler: { inbound, outbound, _ in
                        try await socketHandler(inbound, outbound, request, admission, value.channel)
                    }
                )
            }
        } catch {
            logger.debug("client channel ended", metadata: ["error": "\(error)"])
        }
    }
}
