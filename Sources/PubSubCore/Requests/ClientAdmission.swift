import Foundation
import HTTPTypes

/// Who a WebSocket upgrade request is and what it may do, decided before the upgrade (§3.2, §4).
public struct ClientAdmission: Sendable {
    public var hub: String
    /// The id the connection will have (a recovery's own), known before the handshake so that the
    /// `connect` event handler can be told it.
    public var connectionId: String
    public var wireProtocol: ClientSubprotocol
    public var userId: String?
    public var roles: [Role]
    public var groups: [String]
    /// `awps_connection_id` and `awps_reconnection_token` of a recovery request (§6.3).
    public var recovery: (connectionId: String, token: String)?
    /// `webpubsub_mode=sendToGroup&group=…` of a simple client (§5.6).
    public var simpleSendGroup: String?
    /// The verified access token (its claims go to the `connect` event handler).
    public var token: DecodedToken?
    /// The subprotocols the client offered, in its order.
    public var offeredSubprotocols: [String] = []
    /// A subprotocol the `connect` event handler chose that is not one of ours (§8.4).
    public var customSubprotocol: String?
    /// `ce-connectionState` set by the `connect` event handler (§8.8).
    public var connectionState: String?

    public init(
        hub: String,
        connectionId: String,
        wireProtocol: ClientSubprotocol,
        userId: String?,
        roles: [Role],
        groups: [String],
        recovery: (connectionId: String, token: String)?,
        simpleSendGroup: String? = nil,
        token: DecodedToken? = nil,
        offeredSubprotocols: [String] = []
    ) {
        self.hub = hub
        self.connectionId = connectionId
        self.wireProtocol = wireProtocol
        self.userId = userId
        self.roles = roles
        self.groups = groups
        self.recovery = recovery
        self.simpleSendGroup = simpleSendGroup
        self.token = token
        self.offeredSubprotocols = offeredSubprotocols
    }

    /// Why a simple client in `webpubsub_mode=sendToGroup` may not connect: it lacks the role to
    /// send to its group (from the token or the `connect` event handler).
    public var simpleSendRefusal: Refusal? {
        guard let group = simpleSendGroup, wireProtocol == .simple, !roles.contains(where: { $0.grants(.sendToGroup, on: group) }) else { return nil }
        return Refusal(.forbidden, "webpubsub_mode=sendToGroup needs the webpubsub.sendToGroup role for group \"\(group)\"", hub: hub)
    }

    /// The admission, or its ``simpleSendRefusal``.
    public var checked: Result<ClientAdmission, Refusal> {
        simpleSendRefusal.map { .failure($0) } ?? .success(self)
    }

    /// The subprotocol the handshake answers with.
    public var responseSubprotocol: String? { customSubprotocol ?? wireProtocol.subprotocol }
}

extension ClientAdmission {
    public static let protobufSubprotocols = ["protobuf.webpubsub.azure.v1", "protobuf.reliable.webpubsub.azure.v1"]

    /// Decides an upgrade request: once when the upgrade is asked for (an admitted client's socket
    /// handler gets the result), and again by the HTTP fallback that explains a refusal. Pure.
    ///
    /// - Parameters:
    ///   - audience: what `aud` must name for the path, given the Host header the client sent.
    ///   - maxGroups: how many groups the token's `webpubsub.group` claim may name.
    public static func admit(
        _ request: ClientUpgradeRequest,
        authorizer: Authorizer,
        audience: (_ authority: String?, _ path: String) -> AudienceExpectation,
        maxGroups: Int = .max
    ) -> Result<ClientAdmission, Refusal> {
        let query = request.query
        func parameter(_ name: String) -> String? { query.value(name) }
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true)
        let hub: String
        if segments.count == 3, segments[0] == "client", segments[1] == "hubs" {
            let named = String(segments[2])
            hub = named.utf8.contains(UInt8(ascii: "%")) ? named.removingPercentEncoding ?? named : named
        } else if segments.count == 1, segments[0] == "client", let named = parameter("hub") {
            hub = named
        } else {
            return .failure(.init(.notFound, "use /client/hubs/<hub> or /client/?hub=<hub>"))
        }
        do {
            try HubName.validate(hub)
        } catch {
            return .failure(.init(.badRequest, error.message))
        }
        return admit(request, hub: hub, authorizer: authorizer, audience: audience, maxGroups: maxGroups).mapError { $0.naming(hub: hub) }
    }

    private static func admit(
        _ request: ClientUpgradeRequest,
        hub: String,
        authorizer: Authorizer,
        audience: (_ authority: String?, _ path: String) -> AudienceExpectation,
        maxGroups: Int
    ) -> Result<ClientAdmission, Refusal> {
        func parameter(_ name: String) -> String? { request.query.value(name) }

        let offered = request.subprotocolFields
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingWhitespace() }
        if !offered.contains(where: { ClientSubprotocol.served($0) != nil }), offered.contains(where: protobufSubprotocols.contains) {
            return .failure(
                .init(
                    .badRequest,
                    "the protobuf subprotocols are not supported by the local service; "
                        + "offer json.reliable.webpubsub.azure.v1 or json.webpubsub.azure.v1"
                )
            )
        }
        let wireProtocol = ClientSubprotocol.choose(from: offered)

        if wireProtocol.isReliable, let connectionId = parameter("awps_connection_id"),
            let token = parameter("awps_reconnection_token")
        {
            // The reconnection token authenticates a recovery; the original access token may have
            // expired meanwhile and is not checked (protocol reference §6.3).
            return .success(
                ClientAdmission(
                    hub: hub,
                    connectionId: connectionId,
                    wireProtocol: wireProtocol,
                    userId: nil,
                    roles: [],
                    groups: [],
                    recovery: (connectionId, token),
                    offeredSubprotocols: offered
                )
            )
        }

        guard let accessToken = Credentials(query: request.query, authorization: request.authorization).token else {
            return .failure(
                .init(.unauthorized, "no access token: add ?access_token=<token> or an Authorization: Bearer header (mint one with `pubsub token`)")
            )
        }
        let grant: Grant
        do {
            grant = try authorizer.grant(accessToken, audience: audience(request.authority, "/client/hubs/\(hub)"))
        } catch {
            return .failure(.init(.unauthorized, "access token refused: \(error.message)"))
        }
        let token = grant.token
        if token.groups.count > maxGroups {
            return .failure(
                .init(.badRequest, "the token's webpubsub.group claim names \(token.groups.count) groups; a connection may be in at most \(maxGroups)")
            )
        }
        for group in token.groups {
            if let problem = GroupName.problem(with: group) {
                return .failure(.init(.badRequest, "the token's webpubsub.group claim: \(problem)"))
            }
        }

        var simpleSendGroup: String?
        if wireProtocol == .simple, let mode = parameter("webpubsub_mode"), mode.lowercased() != "sendevent" {
            guard mode.lowercased() == "sendtogroup" else {
                return .failure(.init(.badRequest, "webpubsub_mode \"\(mode)\" is not sendEvent or sendToGroup"))
            }
            guard let group = parameter("group"), GroupName.problem(with: group) == nil else {
                return .failure(.init(.badRequest, "webpubsub_mode=sendToGroup needs a valid group=<name> parameter"))
            }
            // Its role is checked once the roles are final: a `connect` event handler may grant it.
            simpleSendGroup = group
        }
        return .success(
            ClientAdmission(
                hub: hub,
                connectionId: Identifiers.connectionID(),
                wireProtocol: wireProtocol,
                userId: grant.userId,
                roles: grant.roles,
                groups: token.groups,
                recovery: nil,
                simpleSendGroup: simpleSendGroup,
                token: token,
                offeredSubprotocols: offered
            )
        )
    }
}

/// What admission reads of a WebSocket upgrade request, as the HTTP server parsed it.
public struct ClientUpgradeRequest: Sendable {
    /// The request path, still percent-encoded.
    public var path: String
    public var query: RequestQuery
    /// The Host header: how the client addressed the service.
    public var authority: String?
    /// The `Sec-WebSocket-Protocol` fields, each as sent (a field may list several, comma-separated).
    public var subprotocolFields: [String]
    public var authorization: String?

    public init(path: String, query: RequestQuery, authority: String?, subprotocolFields: [String], authorization: String?) {
        self.path = path
        self.query = query
        self.authority = authority
        self.subprotocolFields = subprotocolFields
        self.authorization = authorization
    }
}
