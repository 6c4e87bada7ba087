/// The token a request presents, read the same way by every endpoint: the `access_token` query
/// parameter (a browser's WebSocket and EventSource cannot set headers), else an
/// `Authorization: Bearer` header (§3.2, §7.1).
public struct Credentials: Sendable {
    public var queryToken: String?
    public var authorization: String?

    public init(query: RequestQuery, authorization: String?) {
        queryToken = query.value("access_token")
        self.authorization = authorization
    }

    /// The token, if the request carries a non-empty one.
    public var token: String? {
        if let queryToken, !queryToken.isEmpty { return queryToken }
        return authorization.flatMap(Self.bearerToken)
    }

    /// The token of an `Authorization: Bearer <token>` value (the scheme is case-insensitive).
    public static func bearerToken(_ authorization: String) -> String? {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingWhitespace()
        return token.isEmpty ? nil : String(token)
    }
}

/// A verified token and what it grants. Made only by ``Authorizer``: the one place where a token
/// becomes permissions, for WebSocket admission, REST, SSE and trace.
public struct Grant: Sendable {
    public let token: DecodedToken
    /// The token's roles; role strings that are not Web PubSub roles grant nothing (the service
    /// ignores them, as it would custom claims).
    public let roles: [Role]

    /// Whether a role grants `permission` on `group`.
    public func allows(_ permission: GroupPermission, on group: String) -> Bool {
        roles.contains { $0.grants(permission, on: group) }
    }

    /// The `webpubsub.group` claim: groups joined on connect.
    public var groups: [String] { token.groups }

    /// Whether the token carries the literal role string `role` (custom roles such as trace's).
    public func has(role: String) -> Bool { token.roles.contains(role) }

    /// The `sub` claim, when not empty.
    public var userId: String? { token.subject.flatMap { $0.isEmpty ? nil : $0 } }
}

/// Verifies tokens against the service's keys and an audience, and reads their grants.
public struct Authorizer: Sendable {
    public let verifier: TokenVerifier

    public init(verifier: TokenVerifier) {
        self.verifier = verifier
    }

    /// The grant of `compact`, or why it is refused (signature, expiry, audience).
    public func grant(_ compact: String, audience: AudienceExpectation) throws(PubSubError) -> Grant {
        let token = try verifier.verify(compact, audience: audience)
        return Grant(token: token, roles: token.roles.compactMap { try? Role(parsing: $0) })
    }
}
