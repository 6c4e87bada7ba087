import Foundation

/// Verifies HS256 tokens the way the local service and `pubsub token decode --verify` must: the
/// signature under any of the access keys (compared in constant time), `alg` exactly `HS256` (never
/// `none`), `exp` required and `nbf` honoured with a small clock skew, and `aud` checked leniently
/// (``AudienceExpectation``).
///
/// Every refusal is a ``PubSubError`` with its own code and a message that says what was wrong;
/// malformed tokens exit 65, refused ones 77.
public struct TokenVerifier: Sendable {
    /// The accepted keys (a service may have a primary and a secondary).
    private let keys: [HS256Key]
    /// How far `exp` and `nbf` may be off, in seconds. One minute: enough for clocks that drift, small
    /// enough that an expired token is reported as expired.
    public var clockSkew: Int64

    /// Creates a verifier for the given access keys.
    public init(accessKeys: [String], clockSkew: Int64 = 60) {
        keys = accessKeys.map(HS256Key.init(accessKey:))
        // Bounded, so that the expiry checks cannot overflow: at most about 31 years of skew.
        self.clockSkew = min(max(clockSkew, 0), 1_000_000_000)
    }

    /// Decodes and verifies a token.
    /// - Returns: the decoded token, once every check has passed.
    public func verify(
        _ compact: String,
        audience: AudienceExpectation,
        now: Date = Date()
    ) throws(PubSubError) -> DecodedToken {
        let token = try DecodedToken(parsing: compact)
        try verify(token, audience: audience, now: now)
        return token
    }

    /// Verifies an already decoded token.
    public func verify(_ token: DecodedToken, audience: AudienceExpectation, now: Date = Date()) throws(PubSubError) {
        let refused = { (code: PubSubError.Code, message: String, hint: String) in
            PubSubError(code, message, hint: hint, exitStatus: .unauthorized)
        }
        switch token.algorithm {
        case "HS256":
            break
        case .some(let alg) where alg.lowercased() == "none":
            throw refused(
                .tokenUnsigned,
                "the token is unsigned (alg \"none\"); Web PubSub only accepts HS256-signed tokens",
                "mint a signed token with `pubsub token` or an SDK's get_client_access_token"
            )
        case .some(let alg):
            throw refused(
                .tokenUnsupportedAlgorithm,
                "the token is signed with \(alg); Web PubSub access-key tokens must use HS256",
                "sign it with HS256 over the AccessKey's UTF-8 bytes, or mint it with `pubsub token`"
            )
        case nil:
            throw refused(
                .tokenUnsupportedAlgorithm,
                "the token's header has no \"alg\"; Web PubSub access-key tokens must use HS256",
                "mint it with `pubsub token` or an SDK"
            )
        }
        guard token.signature.count == 32 else {
            throw PubSubError(
                .tokenTruncatedSignature,
                "the token's signature is \(token.signature.count) bytes; an HS256 signature is 32: the token looks truncated",
                hint: "copy the whole token again; after the second dot come 43 characters",
                exitStatus: .dataError
            )
        }
        let input = Data(token.signingInput.utf8)
        guard keys.contains(where: { $0.isValidSignature(token.signature, for: input) }) else {
            throw refused(
                .tokenSignatureMismatch,
                "the token's signature does not match the AccessKey",
                "the token was signed with another key (a regenerated or secondary key, another resource); mint a new one"
            )
        }
        try verifyClaims(token, audience: audience, now: now)
    }

    /// The checks of a token whose signature was verified that depend on the time and the URL:
    /// `exp`, `nbf` and `aud`. A cached verified token goes through these again at every use.
    public func verifyClaims(_ token: DecodedToken, audience: AudienceExpectation, now: Date = Date()) throws(PubSubError) {
        let refused = { (code: PubSubError.Code, message: String, hint: String) in
            PubSubError(code, message, hint: hint, exitStatus: .unauthorized)
        }
        let nowSeconds = Int64(now.timeIntervalSince1970.rounded(.down))
        guard let exp = token.expiresAt else {
            throw refused(.tokenMissingExpiry, "the token has no \"exp\" claim", "Web PubSub tokens must expire; mint one with `pubsub token --expires`")
        }
        // Compared without adding to `exp`, which a token may set to Int64.max.
        if exp < nowSeconds - clockSkew {
            throw refused(
                .tokenExpired,
                "the token expired at \(TokenTime.iso8601(exp)) (\(TokenTime.relative(exp, now: nowSeconds)))",
                "mint a new one; `pubsub token --expires 2h` makes a longer-lived token"
            )
        }
        if let nbf = token.notBefore, nowSeconds + clockSkew < nbf {
            throw refused(
                .tokenNotYetValid,
                "the token is not valid before \(TokenTime.iso8601(nbf)) (\(TokenTime.relative(nbf, now: nowSeconds)))",
                "check the clock of the machine that minted it"
            )
        }
        let audiences = token.audiences
        guard audiences.contains(where: audience.accepts) else {
            let got = audiences.isEmpty ? "no \"aud\" claim" : "aud \"\(audiences.joined(separator: "\", \""))\""
            throw refused(
                .tokenAudienceMismatch,
                "the token has \(got), which does not name \(audience.expectedDescription)",
                "mint it for this endpoint and hub (a client token's aud is <endpoint>/client/hubs/<hub>)"
            )
        }
    }
}
