import Crypto
import Foundation
import Synchronization

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
    /// Tokens whose signature was verified, when the caller keeps them (the service).
    private let verified: VerifiedTokens?

    /// - Parameter cachedTokens: how many verified tokens to keep (0: none), so that many clients
    ///   presenting one token (a URL handed to all of a page's visitors, a load test) cost one
    ///   signature check and one parse of its claims.
    public init(verifier: TokenVerifier, cachedTokens: Int = 0) {
        self.verifier = verifier
        verified = cachedTokens > 0 ? VerifiedTokens(limit: cachedTokens) : nil
    }

    /// The grant of `compact`, or why it is refused (signature, expiry, audience). A token found
    /// among the verified ones skips only the signature and the parse: its expiry, not-before and
    /// audience are checked again, against `now` and this request's URL.
    public func grant(_ compact: String, audience: AudienceExpectation, now: Date = Date()) throws(PubSubError) -> Grant {
        let key = verified.flatMap { _ in VerifiedTokens.key(for: compact) }
        if let verified, let key, let grant = verified.grant(for: key) {
            try verifier.verifyClaims(grant.token, audience: audience, now: now)
            return grant
        }
        let token = try verifier.verify(compact, audience: audience, now: now)
        let grant = Grant(token: token, roles: token.roles.compactMap { try? Role(parsing: $0) })
        if let verified, let key { verified.keep(grant, for: key) }
        return grant
    }

    /// How many verified tokens are kept now.
    package var cachedTokenCount: Int { verified?.count ?? 0 }
}

/// Verified tokens by their SHA-256, at most `limit` of them and only tokens of at most
/// ``maxTokenLength`` characters (so at most `limit` × 4 KB of claims); when full it is emptied and
/// starts again. Only a token that passed the signature check is kept, so a peer without the key
/// cannot fill it. Keyed by digest, not text: a lookup compares digests (in constant time), so how
/// long a guess takes never tells how much of a kept token's signature it matched.
final class VerifiedTokens: Sendable {
    static let maxTokenLength = 4096
    private let grants = Mutex<[SHA256Digest: Grant]>([:])
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// The key a token is kept under; nil for a token too long to keep.
    static func key(for compact: String) -> SHA256Digest? {
        guard compact.utf8.count <= maxTokenLength else { return nil }
        return SHA256.hash(data: Data(compact.utf8))
    }

    func grant(for digest: SHA256Digest) -> Grant? {
        grants.withLock { $0[digest] }
    }

    func keep(_ grant: Grant, for digest: SHA256Digest) {
        grants.withLock { grants in
            if grants.count >= limit { grants.removeAll(keepingCapacity: true) }
            grants[digest] = grant
        }
    }

    var count: Int { grants.withLock { $0.count } }
}
