import Foundation

/// A compact JWS token split into its parts and decoded, but not verified.
///
/// Decoding is strict about shape and says exactly what is wrong: a missing part, a part that is
/// not base64url, a header or claims set that is not a JSON object.
public struct DecodedToken: Sendable {
    /// The token as given.
    public let compact: String
    /// The JOSE header (`alg`, `typ`, …).
    public let header: [String: JSONValue]
    /// Every claim, standard or custom.
    public let claims: [String: JSONValue]
    /// The raw signature bytes (32 for HS256).
    public let signature: Data
    /// `header.claims`, the bytes the signature covers.
    package let signingInput: Substring

    /// Splits and decodes a compact token.
    /// - Throws: ``PubSubError`` `tokenMalformed`, `tokenMalformedBase64` or `tokenMalformedJSON` (exit 65).
    public init(parsing text: String) throws(PubSubError) {
        let token = text.trimmingWhitespace()
        // Split at the dots by bytes (a generic `split` on characters was a tenth of admitting a
        // client); the parts are the same.
        var parts: [Substring] = []
        var start = token.utf8.startIndex
        while let dot = token.utf8[start...].firstIndex(of: UInt8(ascii: ".")) {
            parts.append(token[start..<dot])
            start = token.utf8.index(after: dot)
        }
        parts.append(token[start...])
        guard !token.isEmpty else {
            throw PubSubError(.tokenMalformed, "the token is empty", hint: Self.shapeHint, exitStatus: .dataError)
        }
        guard parts.count == 3 else {
            let message =
                parts.count < 3
                ? "the token has \(parts.count) of the 3 dot-separated parts (header.claims.signature): it looks truncated"
                : "the token has \(parts.count) dot-separated parts; a signed JWT has 3 (header.claims.signature)"
            throw PubSubError(.tokenMalformed, message, hint: Self.shapeHint, exitStatus: .dataError)
        }
        func decodePart(_ index: Int, _ name: String) throws(PubSubError) -> Data {
            guard let bytes = Base64URL.decode(parts[index]) else {
                throw PubSubError(
                    .tokenMalformedBase64,
                    "the token's \(name) (part \(index + 1) of 3) is not valid base64url",
                    hint: "the token was probably cut or altered when it was copied; copy it again whole",
                    exitStatus: .dataError
                )
            }
            return bytes
        }
        func decodeObject(_ index: Int, _ name: String) throws(PubSubError) -> [String: JSONValue] {
            let bytes = try decodePart(index, name)
            guard let object = JSONValue.parseObject(bytes) else {
                throw PubSubError(
                    .tokenMalformedJSON,
                    "the token's \(name) (part \(index + 1) of 3) is not a JSON object",
                    hint: "the token was probably cut or altered when it was copied; copy it again whole",
                    exitStatus: .dataError
                )
            }
            return object
        }
        compact = token
        if let common = Self.commonHeaders[parts[0]] {
            header = common
        } else {
            header = try decodeObject(0, "header")
        }
        claims = try decodeObject(1, "claims")
        signature = try decodePart(2, "signature")
        signingInput = token[..<token.utf8.index(before: parts[2].startIndex)]
    }

    /// The headers nearly every token has, by their encoded text: `{"alg":"HS256","typ":"JWT"}` (what
    /// `pubsub token`, PyJWT and jsonwebtoken write) and its members the other way round. Each of
    /// these is read without decoding it: one of the token's two JSON parses, about a tenth of
    /// admitting a client.
    private static let commonHeaders: [Substring: [String: JSONValue]] = {
        let members: [String: JSONValue] = ["alg": .string("HS256"), "typ": .string("JWT")]
        return [
            Substring(Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))): members,
            Substring(Base64URL.encode(Data(#"{"typ":"JWT","alg":"HS256"}"#.utf8))): members,
        ]
    }()

    private static let shapeHint = "pass the whole token (three base64url parts joined by dots) or a client URL containing ?access_token="

    /// The `alg` header, if any.
    public var algorithm: String? { header["alg"]?.stringValue }
    /// `exp`, in Unix seconds.
    public var expiresAt: Int64? { claims["exp"]?.int64Value }
    /// `iat`, in Unix seconds.
    public var issuedAt: Int64? { claims["iat"]?.int64Value }
    /// `nbf`, in Unix seconds.
    public var notBefore: Int64? { claims["nbf"]?.int64Value }
    /// `sub`: the user id.
    public var subject: String? { claims["sub"]?.stringValue }
    /// `aud` as a list (a JWT may carry one string or an array).
    public var audiences: [String] { Self.strings(claims["aud"]) }
    /// `role`, accepted as one string or an array of strings (protocol reference §3.2).
    public var roles: [String] { Self.strings(claims["role"]) }
    /// `webpubsub.group`: the groups to join on connect, one string or an array.
    public var groups: [String] { Self.strings(claims["webpubsub.group"]) }

    private static func strings(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let one): return [one]
        case .array(let many): return many.compactMap(\.stringValue)
        default: return []
        }
    }
}

extension PubSubError.Code {
    public static let tokenMalformed = Self("tokenMalformed")
    public static let tokenMalformedBase64 = Self("tokenMalformedBase64")
    public static let tokenMalformedJSON = Self("tokenMalformedJSON")
    public static let tokenUnsigned = Self("tokenUnsigned")
    public static let tokenUnsupportedAlgorithm = Self("tokenUnsupportedAlgorithm")
    public static let tokenTruncatedSignature = Self("tokenTruncatedSignature")
    public static let tokenSignatureMismatch = Self("tokenSignatureMismatch")
    public static let tokenMissingExpiry = Self("tokenMissingExpiry")
    public static let tokenExpired = Self("tokenExpired")
    public static let tokenNotYetValid = Self("tokenNotYetValid")
    public static let tokenAudienceMismatch = Self("tokenAudienceMismatch")
}
