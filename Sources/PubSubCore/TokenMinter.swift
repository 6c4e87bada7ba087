import Foundation

/// What a client needs to connect: the URL without and with its token, the token, and its claims.
public struct ClientAccess: Sendable {
    /// `ws(s)://host/client/hubs/<hub>`, without a token.
    public let baseURL: String
    /// The signed client access token.
    public let token: String
    /// `baseURL?access_token=<token>`: what a WebSocket client opens.
    public let url: String
    /// The token's claims.
    public let claims: [String: JSONValue]
    /// `exp`, Unix seconds.
    public let expiresAt: Int64
}

/// What a client access token grants.
public struct ClientTokenRequest: Sendable {
    /// The hub, case kept as written.
    public var hub: String
    /// The `sub` claim; nil for an anonymous connection.
    public var userId: String?
    /// Roles, as written.
    public var roles: [Role]
    /// Groups to join when the connection opens (`webpubsub.group`).
    public var groups: [String]
    /// Lifetime of the token; 60 minutes by default, as in every SDK.
    public var lifetime: Duration
    /// Default, MQTT or Socket.IO: changes the URL path and the audience.
    public var clientProtocol: ClientProtocol

    /// Creates a request.
    public init(
        hub: String,
        userId: String? = nil,
        roles: [Role] = [],
        groups: [String] = [],
        lifetime: Duration = .seconds(3600),
        clientProtocol: ClientProtocol = .default
    ) {
        self.hub = hub
        self.userId = userId
        self.roles = roles
        self.groups = groups
        self.lifetime = lifetime
        self.clientProtocol = clientProtocol
    }
}

/// Mints the tokens Web PubSub accepts, exactly as Microsoft's SDKs do (protocol reference §3):
///
/// ```swift
/// let minter = TokenMinter(connectionString: .localDevelopment)
/// let access = minter.clientAccess(ClientTokenRequest(hub: "chat", userId: "alice"))
/// access.url   // ws://localhost:8080/client/hubs/chat?access_token=eyJ…
/// ```
public struct TokenMinter: Sendable {
    /// The service and key the tokens are for.
    public let connectionString: ConnectionString
    private let key: HS256Key

    /// The lifetime of REST tokens, as the Python SDK uses.
    public static let restTokenLifetime: Int64 = 60

    /// Creates a minter for a connection string.
    public init(connectionString: ConnectionString) {
        self.connectionString = connectionString
        key = HS256Key(accessKey: connectionString.accessKey)
    }

    /// A client access URL and token.
    ///
    /// The endpoint is lower-cased and `http(s)` becomes `ws(s)` for the URL; `aud` keeps the
    /// `http(s)` scheme; the hub is inserted verbatim; `role` and `webpubsub.group` are arrays and
    /// only present when non-empty; `sub` only when there is a user (§3.2).
    public func clientAccess(_ request: ClientTokenRequest, now: Date = Date()) -> ClientAccess {
        let endpoint = connectionString.endpoint.url.lowercased()
        let audience = endpoint + request.clientProtocol.pathPrefix + request.hub
        let baseURL = "ws" + audience.dropFirst(4)
        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        // Saturating: a lifetime near Int64.max seconds makes a token that never expires in practice
        // rather than a trap (the command line and REST bound it well below that anyway).
        let (sum, overflow) = issuedAt.addingReportingOverflow(max(1, request.lifetime.wholeSeconds))
        let expiresAt = overflow ? Int64.max : sum
        var claims: [String: JSONValue] = [
            "aud": .string(audience),
            "iat": .integer(issuedAt),
            "exp": .integer(expiresAt),
        ]
        if let user = request.userId, !user.isEmpty { claims["sub"] = .string(user) }
        if !request.roles.isEmpty { claims["role"] = .array(request.roles.map { .string($0.description) }) }
        if !request.groups.isEmpty { claims["webpubsub.group"] = .array(request.groups.map { .string($0) }) }
        let order = ["aud", "iat", "exp", "sub", "role", "webpubsub.group"]
        let token = sign(claims, order: order)
        return ClientAccess(
            baseURL: baseURL,
            token: token,
            url: baseURL + "?access_token=" + token,
            claims: claims,
            expiresAt: expiresAt
        )
    }

    /// A REST bearer token: `aud` is the complete request URL as sent, query included, `exp` one
    /// minute ahead (§3.1).
    public func restToken(for requestURL: String, now: Date = Date()) -> String {
        let expiresAt = Int64(now.timeIntervalSince1970.rounded(.down)) + Self.restTokenLifetime
        return sign(["aud": .string(requestURL), "exp": .integer(expiresAt)], order: ["aud", "exp"])
    }

    /// Signs claims with HS256; `order` fixes the order of the listed keys (the rest follow sorted),
    /// so the token text is the same for the same claims.
    public func sign(_ claims: [String: JSONValue], order: [String] = []) -> String {
        let header = Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let keys = order.filter { claims[$0] != nil } + claims.keys.filter { !order.contains($0) }.sorted()
        let body = keys.map { key in
            JSONValue.string(key).compactJSONString() + ":" + claims[key]!.compactJSONString()
        }.joined(separator: ",")
        let payload = Base64URL.encode(Data("{\(body)}".utf8))
        let signingInput = header + "." + payload
        return signingInput + "." + Base64URL.encode(key.signature(for: Data(signingInput.utf8)))
    }
}
