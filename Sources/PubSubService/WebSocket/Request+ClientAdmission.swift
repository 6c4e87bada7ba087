import Hummingbird
import HummingbirdCore
import NIOHTTP1
import PubSubCore

/// What admission reads of a WebSocket upgrade request (``ClientAdmission`` decides in Core).
extension ClientUpgradeRequest {
    /// From NIO's request head, when the upgrade is asked for (converting every header to
    /// HTTPTypes for a few reads was a tenth of admitting a client).
    init(_ head: HTTPRequestHead) {
        let uri = URI(head.uri)
        self.init(
            path: uri.path,
            query: RequestQuery(uri.queryParameters),
            authority: head.headers.first(name: "host"),
            subprotocolFields: head.headers["sec-websocket-protocol"],
            authorization: head.headers.first(name: "authorization")
        )
    }

    /// From a Hummingbird request, by the HTTP fallback that explains a refusal.
    init(_ request: Request) {
        self.init(
            path: request.uri.path,
            query: RequestQuery(request.uri.queryParameters),
            authority: request.head.authority,
            subprotocolFields: request.headers[values: .secWebSocketProtocol],
            authorization: request.headers[.authorization]
        )
    }
}

extension RequestQuery {
    /// The query as Hummingbird parsed it (percent-decoded, in order).
    init(_ parameters: Parameters) {
        self.init(parameters.map { (name: String($0.key), value: String($0.value)) })
    }
}

extension Request {
    /// The query parameters, parsed once.
    var query: RequestQuery { RequestQuery(uri.queryParameters) }

    /// What the request presents to be let in: `access_token` or `Authorization: Bearer` (§3.2).
    var credentials: Credentials {
        Credentials(query: query, authorization: headers[.authorization])
    }
}
