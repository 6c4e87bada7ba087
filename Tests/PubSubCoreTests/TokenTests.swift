import Foundation
import PubSubCore
import Testing

@Suite("HS256 tokens")
struct TokenTests {
    static let key = "Q29udG9zb0xvY2FsS2V5Rm9yRG9jc09ubHkwMTIzNDU="
    static let connection = ConnectionString(
        endpoint: ServiceEndpoint(scheme: "http", host: "localhost", port: 8080),
        accessKey: key
    )
    static let issued = Date(timeIntervalSince1970: 1_700_000_000)

    /// Made with PyJWT 2.x: `jwt.encode({aud, iat, exp, sub, role, webpubsub.group}, key, "HS256")`, the
    /// exact call inside azure-messaging-webpubsubservice's get_client_access_token.
    static let pyjwtClientToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwOi8vbG9jYWxob3N0OjgwODAvY2xpZW50L2h1YnMvY2hhdCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwLCJzdWIiOiJhbGljZSIsInJvbGUiOlsid2VicHVic3ViLmpvaW5MZWF2ZUdyb3VwLnJvb20xIiwid2VicHVic3ViLnNlbmRUb0dyb3VwLnJvb20xIl0sIndlYnB1YnN1Yi5ncm91cCI6WyJyb29tMSJdfQ.ZCwDW8i_IxDPacJfkosP51hcUhA6IgatTRwelx0wPTA"
    /// Made with PyJWT: the REST token of §3.1's example.
    static let pyjwtRestToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwOi8vbG9jYWxob3N0OjgwODAvYXBpL2h1YnMvY2hhdC9ncm91cHMvcm9vbTEvOnNlbmQ_YXBpLXZlcnNpb249MjAyNC0xMi0wMSIsImV4cCI6MTcwMDAwMDA2MH0.njsNnY9NmyF4bsna5tZ9ZsdG0lUQ_yQX-RnthpMD3jU"

    @Test("a client token is byte-for-byte the one PyJWT makes for the same claims")
    func clientTokenMatchesGoldenVector() throws {
        let request = ClientTokenRequest(
            hub: "chat",
            userId: "alice",
            roles: [try Role(parsing: "webpubsub.joinLeaveGroup.room1"), try Role(parsing: "webpubsub.sendToGroup.room1")],
            groups: ["room1"]
        )
        let access = TokenMinter(connectionString: Self.connection).clientAccess(request, now: Self.issued)
        #expect(access.token == Self.pyjwtClientToken)
        #expect(access.baseURL == "ws://localhost:8080/client/hubs/chat")
        #expect(access.url == "ws://localhost:8080/client/hubs/chat?access_token=" + Self.pyjwtClientToken)
        #expect(access.expiresAt == 1_700_003_600)
    }

    @Test("a REST token's aud is the full request URL and it lives 60 seconds")
    func restTokenMatchesGoldenVector() {
        let url = "http://localhost:8080/api/hubs/chat/groups/room1/:send?api-version=2024-12-01"
        let token = TokenMinter(connectionString: Self.connection).restToken(for: url, now: Self.issued)
        #expect(token == Self.pyjwtRestToken)
    }

    @Test("the ce-signature HMAC matches the protocol reference's worked example")
    func hmacGoldenVector() {
        let signature = HS256Key(accessKey: Self.key).signature(for: Data("aB3xYz_Conn1".utf8))
        let hex = signature.map { String(format: "%02X", $0) }.joined()
        #expect(hex == "355C77E14BDE48F8C53E7F7D17CC2D04F60182955EA03AD01647459A6E94E4FD")
    }

    @Test(
        "client URLs follow the SDK: lower-cased endpoint, ws scheme, hub verbatim, path by client protocol",
        arguments: [
            ("https://MyRes.webpubsub.azure.com/", ClientProtocol.default, "Hub", "wss://myres.webpubsub.azure.com/client/hubs/Hub", "https://myres.webpubsub.azure.com/client/hubs/Hub"),
            ("http://localhost:8080", .mqtt, "chat", "ws://localhost:8080/clients/mqtt/hubs/chat", "http://localhost:8080/clients/mqtt/hubs/chat"),
            ("https://x.webpubsub.azure.com", .socketio, "Chat_1", "wss://x.webpubsub.azure.com/clients/socketio/hubs/Chat_1", "https://x.webpubsub.azure.com/clients/socketio/hubs/Chat_1"),
        ]
    )
    func clientURLs(endpoint: String, clientProtocol: ClientProtocol, hub: String, baseURL: String, audience: String) throws {
        let connection = ConnectionString(endpoint: try ServiceEndpoint(parsing: endpoint), accessKey: "k")
        let access = TokenMinter(connectionString: connection).clientAccess(
            ClientTokenRequest(hub: hub, clientProtocol: clientProtocol),
            now: Self.issued
        )
        #expect(access.baseURL == baseURL)
        #expect(access.claims["aud"] == .string(audience))
        #expect(access.claims["sub"] == nil)
        #expect(access.claims["role"] == nil)
        #expect(access.claims["webpubsub.group"] == nil)
    }

    @Test("the verifier accepts the SDK's token and reads its claims")
    func verifiesGoldenToken() throws {
        let verifier = TokenVerifier(accessKeys: ["other-key", Self.key])
        let token = try verifier.verify(
            Self.pyjwtClientToken,
            audience: .resource("ws://localhost:8080/client/hubs/chat"),
            now: Self.issued.addingTimeInterval(10)
        )
        #expect(token.subject == "alice")
        #expect(token.roles == ["webpubsub.joinLeaveGroup.room1", "webpubsub.sendToGroup.room1"])
        #expect(token.groups == ["room1"])
    }

    static func sign(header: String, claims: String, key: String = key) -> String {
        let input = Base64Text.url(header) + "." + Base64Text.url(claims)
        let signature = HS256Key(accessKey: key).signature(for: Data(input.utf8))
        return input + "." + Base64Text.url(signature)
    }

    static let goodClaims = #"{"aud":"http://localhost:8080/client/hubs/chat","iat":1700000000,"exp":1700003600}"#
    static let hs256 = #"{"alg":"HS256","typ":"JWT"}"#

    struct BadToken: Sendable, CustomTestStringConvertible {
        let name: String
        let token: String
        let code: PubSubError.Code
        let status: PubSubCore.ExitStatus
        var testDescription: String { name }
    }

    static let badTokens: [BadToken] = {
        let good = sign(header: hs256, claims: goodClaims)
        let aud = #""aud":"http://localhost:8080/client/hubs/chat""#
        return [
            BadToken(name: "wrong key", token: sign(header: hs256, claims: goodClaims, key: "wrong-key"), code: .tokenSignatureMismatch, status: .unauthorized),
            BadToken(name: "alg none", token: Base64Text.url(#"{"alg":"none"}"#) + "." + Base64Text.url(goodClaims) + ".", code: .tokenUnsigned, status: .unauthorized),
            BadToken(name: "HS512", token: sign(header: #"{"alg":"HS512","typ":"JWT"}"#, claims: goodClaims), code: .tokenUnsupportedAlgorithm, status: .unauthorized),
            BadToken(name: "expired", token: sign(header: hs256, claims: "{\(aud),\"exp\":1699990000}"), code: .tokenExpired, status: .unauthorized),
            BadToken(name: "not yet valid", token: sign(header: hs256, claims: "{\(aud),\"exp\":1700009000,\"nbf\":1700005000}"), code: .tokenNotYetValid, status: .unauthorized),
            BadToken(name: "wrong aud", token: sign(header: hs256, claims: #"{"aud":"http://localhost:8080/client/hubs/other","exp":1700003600}"#), code: .tokenAudienceMismatch, status: .unauthorized),
            BadToken(name: "no exp", token: sign(header: hs256, claims: "{\(aud)}"), code: .tokenMissingExpiry, status: .unauthorized),
            BadToken(name: "malformed base64", token: good.replacingOccurrences(of: ".", with: ".*"), code: .tokenMalformedBase64, status: .dataError),
            BadToken(name: "missing signature part", token: good.split(separator: ".").prefix(2).joined(separator: "."), code: .tokenMalformed, status: .dataError),
            BadToken(name: "truncated signature", token: String(good.dropLast(11)), code: .tokenTruncatedSignature, status: .dataError),
            BadToken(name: "header not an object", token: Base64Text.url("[1]") + "." + Base64Text.url(goodClaims) + ".abc", code: .tokenMalformedJSON, status: .dataError),
        ]
    }()

    @Test("the verifier refuses each bad token with its own code", arguments: badTokens)
    func refusesBadTokens(bad: BadToken) {
        let verifier = TokenVerifier(accessKeys: [Self.key])
        let error = #expect(throws: PubSubError.self) {
            try verifier.verify(bad.token, audience: .resource("ws://localhost:8080/client/hubs/chat"), now: Self.issued.addingTimeInterval(300))
        }
        #expect(error?.code == bad.code)
        #expect(error?.exitStatus == bad.status)
        #expect(error?.message.contains(Self.key) == false)
    }

    @Test(
        "a token is read whole whatever surrounds it: spaces, tabs, newlines, Unicode spaces; four parts are refused",
        arguments: ["", " ", "\n", "\t  ", "\u{00A0}", "\u{2003}\r\n"]
    )
    func surroundingWhitespace(padding: String) throws {
        let verifier = TokenVerifier(accessKeys: [Self.key])
        let token = Self.sign(header: Self.hs256, claims: Self.goodClaims)
        let decoded = try verifier.verify(padding + token + padding, audience: .any, now: Self.issued.addingTimeInterval(300))
        #expect(decoded.compact == token)
        #expect(decoded.expiresAt == 1_700_003_600)
        let error = #expect(throws: PubSubError.self) { try DecodedToken(parsing: padding + token + ".x" + padding) }
        #expect(error?.message.contains("4 dot-separated parts") == true)
    }

    @Test("expiry allows one minute of clock skew and no more")
    func clockSkew() throws {
        let verifier = TokenVerifier(accessKeys: [Self.key])
        let token = Self.sign(header: Self.hs256, claims: Self.goodClaims)
        let exp = Date(timeIntervalSince1970: 1_700_003_600)
        _ = try verifier.verify(token, audience: .any, now: exp.addingTimeInterval(59))
        #expect(throws: PubSubError.self) { try verifier.verify(token, audience: .any, now: exp.addingTimeInterval(61)) }
    }

    @Test(
        "aud is checked leniently: scheme, case, query and trailing slash ignored, path prefixes accepted",
        arguments: [
            ("http://localhost:8080/client/hubs/chat", true),
            ("ws://LOCALHOST:8080/client/hubs/CHAT/", true),
            ("https://localhost:8080/client/hubs/chat?x=1", true),
            ("http://localhost:8080", true),
            ("http://localhost:8080/client/hubs/chatroom", false),
            ("http://localhost:9090/client/hubs/chat", false),
            ("http://localhost/client/hubs/chat", false),
            ("http://example.com:8080/client/hubs/chat", false),
            ("not a url", false),
        ]
    )
    func lenientAudience(aud: String, accepted: Bool) {
        #expect(AudienceExpectation.resource("ws://localhost:8080/client/hubs/chat").accepts(aud) == accepted)
    }

    @Test(
        "an expectation built from a Host header and a path equals the one parsed from their URL",
        arguments: [
            ("localhost:8080", "/client/hubs/chat"), ("127.0.0.1:18081", "/client/hubs/Chat"), ("[::1]:8080", "/client/hubs/chat"),
            ("Example.COM", "/client/hubs/chat"), ("localhost:8080", "/client/hubs/a%20b"), ("localhost:8080", "/"),
        ]
    )
    func builtFromParts(authority: String, path: String) {
        let alternates = [AudienceExpectation.Authority(host: "localhost", port: 8080)]
        #expect(
            AudienceExpectation.resource(authority: authority, path: path, alternateAuthorities: alternates)
                == AudienceExpectation.resource("http://\(authority)\(path)", alternateAuthorities: alternates)
        )
    }

    @Test(
        "the byte-wise reading of a plain audience equals URLComponents', and leaves anything else to it",
        arguments: [
            ("http://localhost:18081/client/hubs/bench", true), ("https://example.com/client/hubs/chat_1", true),
            ("ws://127.0.0.1:8080/client/hubs/chat/", true), ("wss://a-b.example.net:443/api/hubs/x~y", true),
            ("http://localhost:8080", true), ("http://localhost:0/", true), ("http://h:65535//client//hubs", true),
            ("http://LOCALHOST:8080/client", false), ("http://localhost:8080/client/hubs/CHAT", false),
            ("http://localhost:8080/client/hubs/a%20b", false), ("http://localhost:8080/client/hubs/chat?x=1", false),
            ("http://user@localhost:8080/", false), ("http://[::1]:8080/client", false), ("http://localhost:/client", false),
            ("http://localhost:99999/client", false), ("http://localhost:8080#frag", false), ("ftp://localhost/x", false),
            ("http:///client", false), (" http://localhost:8080/client", false), ("HTTP://localhost/x", false),
        ]
    )
    func plainAudienceReading(aud: String, plain: Bool) throws {
        let fast = AudienceExpectation.parsePlain(aud)
        #expect((fast != nil) == plain)
        if let fast {
            let slow = try #require(AudienceExpectation.parseWithURLComponents(aud))
            #expect(fast.authority == slow.authority)
            #expect(fast.segments == slow.segments)
        }
    }

    @Test("a REST aud with the full query, or the documented hub-only form, names the request")
    func restAudienceForms() {
        let request = "http://localhost:8080/api/hubs/chat/groups/room1/:send?api-version=2024-12-01&excluded=a"
        let expectation = AudienceExpectation.resource(request)
        #expect(expectation.accepts(request))
        #expect(expectation.accepts("http://localhost:8080/api/hubs/chat"))
        #expect(!expectation.accepts("http://localhost:8080/api/hubs/other"))
        let service = AudienceExpectation.service(ServiceEndpoint(scheme: "http", host: "localhost", port: 8080))
        #expect(service.accepts(request))
        #expect(!service.accepts("http://localhost:8081/api/hubs/chat"))
    }
}

/// base64url helpers for building test tokens by hand.
enum Base64Text {
    static func url(_ text: String) -> String { url(Data(text.utf8)) }
    static func url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
