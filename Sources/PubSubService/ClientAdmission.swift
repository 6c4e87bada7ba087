import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOHTTP1
import PubSubCore

/// Who a WebSocket upgrade request is and what it may do, decided before the upgrade (§3.2, §4).
struct ClientAdmission: Sendable {
    var hub: String
    /// The id the connection will have (a recovery's own), known before the handshake so that the
    /// `connect` event handler can be told it.
    var connectionId: String
    var kind: ClientKind
    var userId: String?
    var roles: [Role]
    var groups: [String]
    /// `awps_connection_id` and `awps_reconnection_token` of a recovery request (§6.3).
    var recovery: (connectionId: String, token: String)?
    /// `webpubsub_mode=sendToGroup&group=…` of a simple client (§5.6).
    var simpleSendGroup: String?
    /// The verified access token (its claims go to the `connect` event handler).
    var token: DecodedToken?
    /// The subprotocols the client offered, in its order.
    var offeredSubprotocols: [String] = []
    /// A subprotocol the `connect` event handler chose that is not one of ours (§8.4).
    var customSubprotocol: String?
    /// `ce-connectionState` set by the `connect` event handler (§8.8).
    var connectionState: String?

    /// Why a simple client in `webpubsub_mode=sendToGroup` may not connect: it lacks the role to
    /// send to its group (from the token or the `connect` event handler).
    var simpleSendRefusal: AdmissionRefusal? {
        guard let group = simpleSendGroup, kind == .simple, !roles.contains(where: { $0.grants(.sendToGroup, on: group) }) else { return nil }
        return AdmissionRefusal(
            status: .forbidden,
            reason: "webpubsub_mode=sendToGroup needs the webpubsub.sendToGroup role for group \"\(group)\"",
            hub: hub
        )
    }

    /// The admission, or its ``simpleSendRefusal``.
    var checked: Result<ClientAdmission, AdmissionRefusal> {
        simpleSendRefusal.map { .failure($0) } ?? .success(self)
    }

    /// The subprotocol the handshake answers with.
    var responseSubprotocol: String? { customSubprotocol ?? kind.subprotocol }
}

/// Why an upgrade request was refused: the HTTP status and a reason for the response body.
struct AdmissionRefusal: Error, Sendable {
    var status: HTTPResponse.Status
    var reason: String
    /// The hub the request named, when it named a valid one (for the trace).
    var hub: String?
}

extension ClientAdmission {
    static let protobufSubprotocols = ["protobuf.webpubsub.azure.v1", "protobuf.reliable.webpubsub.azure.v1"]

    /// Decides an upgrade request: once when the upgrade is asked for (an admitted client's socket
    /// handler gets the result), and again by the HTTP fallback that explains a refusal. Pure.
    static func admit(
        _ request: UpgradeRequest,
        verifier: TokenVerifier,
        address: ListeningAddress,
        maxGroups: Int = .max
    ) -> Result<ClientAdmission, AdmissionRefusal> {
        // Parsed once: each read of `queryParameters` parses the query again.
        let query = request.uri.queryParameters
        func parameter(_ name: String) -> String? { query.get(name) }
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        let hub: String
        if segments.count == 3, segments[0] == "client", segments[1] == "hubs" {
            let named = String(segments[2])
            hub = named.utf8.contains(UInt8(ascii: "%")) ? named.removingPercentEncoding ?? named : named
        } else if segments.count == 1, segments[0] == "client", let named = parameter("hub") {
            hub = named
        } else {
            return .failure(.init(status: .notFound, reason: "use /client/hubs/<hub> or /client/?hub=<hub>"))
        }
        do {
            try HubName.validate(hub)
        } catch {
            return .failure(.init(status: .badRequest, reason: error.message))
        }
        return admit(request, hub: hub, query: query, verifier: verifier, address: address, maxGroups: maxGroups).mapError { refusal in
            var refusal = refusal
            refusal.hub = hub
            return refusal
        }
    }

    private static func admit(
        _ request: UpgradeRequest,
        hub: String,
        query: Parameters,
        verifier: TokenVerifier,
        address: ListeningAddress,
        maxGroups: Int
    ) -> Result<ClientAdmission, AdmissionRefusal> {
        func parameter(_ name: String) -> String? { query.get(name) }

        let offered = request.subprotocolFields
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingWhitespace() }
        let kind: ClientKind
        if offered.contains(ClientKind.reliableSubprotocol) {
            kind = .reliable
        } else if offered.contains(ClientKind.jsonSubprotocol) {
            kind = .json
        } else if offered.contains(where: protobufSubprotocols.contains) {
            return .failure(
                .init(
                    status: .badRequest,
                    reason: "the protobuf subprotocols are not supported by the local service; "
                        + "offer json.reliable.webpubsub.azure.v1 or json.webpubsub.azure.v1"
                )
            )
        } else {
            kind = .simple
        }

        if kind == .reliable, let connectionId = parameter("awps_connection_id"),
            let token = parameter("awps_reconnection_token")
        {
            // The reconnection token authenticates a recovery; the original access token may have
            // expired meanwhile and is not checked (protocol reference §6.3).
            return .success(
                ClientAdmission(
                    hub: hub,
                    connectionId: connectionId,
                    kind: kind,
                    userId: nil,
                    roles: [],
                    groups: [],
                    recovery: (connectionId, token),
                    offeredSubprotocols: offered
                )
            )
        }

        guard let accessToken = request.accessToken(query: query), !accessToken.isEmpty else {
            return .failure(
                .init(
                    status: .unauthorized,
                    reason: "no access token: add ?access_token=<token> or an Authorization: Bearer header (mint one with `pubsub token`)"
                )
            )
        }
        let token: DecodedToken
        do {
            token = try verifier.verify(accessToken, audience: address.audience(authority: request.authority, path: "/client/hubs/\(hub)"))
        } catch {
            return .failure(.init(status: .unauthorized, reason: "access token refused: \(error.message)"))
        }
        // Unknown role strings grant nothing; the service ignores them, as it would custom claims.
        let roles = token.roles.compactMap { try? Role(parsing: $0) }
        if token.groups.count > maxGroups {
            return .failure(
                .init(status: .badRequest, reason: "the token's webpubsub.group claim names \(token.groups.count) groups; a connection may be in at most \(maxGroups)")
            )
        }
        for group in token.groups {
            if let problem = GroupName.problem(with: group) {
                return .failure(.init(status: .badRequest, reason: "the token's webpubsub.group claim: \(problem)"))
            }
        }

        var simpleSendGroup: String?
        if kind == .simple, let mode = parameter("webpubsub_mode"), mode.lowercased() != "sendevent" {
            guard mode.lowercased() == "sendtogroup" else {
                return .failure(.init(status: .badRequest, reason: "webpubsub_mode \"\(mode)\" is not sendEvent or sendToGroup"))
            }
            guard let group = parameter("group"), GroupName.problem(with: group) == nil else {
                return .failure(.init(status: .badRequest, reason: "webpubsub_mode=sendToGroup needs a valid group=<name> parameter"))
            }
            // Its role is checked once the roles are final: a `connect` event handler may grant it.
            simpleSendGroup = group
        }
        return .success(
            ClientAdmission(
                hub: hub,
                connectionId: Identifiers.connectionID(),
                kind: kind,
                userId: token.subject.flatMap { $0.isEmpty ? nil : $0 },
                roles: roles,
                groups: token.groups,
                recovery: nil,
                simpleSendGroup: simpleSendGroup,
                token: token,
                offeredSubprotocols: offered
            )
        )
    }
}

/// What admission reads of a WebSocket upgrade request. Built from NIO's request head when the
/// upgrade is asked for (converting every header to HTTPTypes for a few reads was a tenth of
/// admitting a client), or from a Hummingbird request by the HTTP fallback that explains a refusal.
struct UpgradeRequest {
    var uri: URI
    /// The Host header: how the client addressed the service.
    var authority: String?
    /// The `Sec-WebSocket-Protocol` fields, each as sent (a field may list several, comma-separated).
    var subprotocolFields: [String]
    var authorization: String?

    init(_ head: HTTPRequestHead) {
        uri = URI(head.uri)
        authority = head.headers.first(name: "host")
        subprotocolFields = head.headers["sec-websocket-protocol"]
        authorization = head.headers.first(name: "authorization")
    }

    init(_ request: Request) {
        uri = request.uri
        authority = request.head.authority
        subprotocolFields = request.headers[values: .secWebSocketProtocol]
        authorization = request.headers[.authorization]
    }

    /// The client access token: the `access_token` query parameter, else an `Authorization: Bearer`
    /// header (§3.2).
    func accessToken(query: Parameters) -> String? {
        query.get("access_token") ?? authorization.flatMap(bearerToken)
    }
}

extension Request {
    /// The client access token: the `access_token` query parameter, else an `Authorization: Bearer`
    /// header (§3.2).
    var accessToken: String? {
        uri.queryParameters.get("access_token") ?? headers[.authorization].flatMap(bearerToken)
    }
}

/// The token of an `Authorization: Bearer <token>` value.
private func bearerToken(_ authorization: String) -> String? {
    let parts = authorization.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    return String(parts[1])
}
