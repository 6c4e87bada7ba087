import Foundation
import HTTPTypes
import PubSubCore
import Testing

/// The request decisions that live in Core: admission of a WebSocket upgrade, the one way a token is
/// read from a request, and the REST parameters' range checks.
@Suite("Request decisions")
struct RequestTests {
    static let key = "ZnV6ei1rZXktZm9yLXJlcXVlc3QtdGVzdHMtb25seQ=="
    static let authorizer = Authorizer(verifier: TokenVerifier(accessKeys: [key]))

    static func token(_ claims: [String: JSONValue]) -> String {
        let header = Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        var claims = claims
        claims["exp"] = .integer(Int64(Date().timeIntervalSince1970) + 600)
        claims["aud"] = .string("http://localhost:8080/client/hubs/chat")
        let body = try! JSONEncoder().encode(JSONValue.object(claims))
        let input = header + "." + Base64URL.encode(body)
        return input + "." + Base64URL.encode(HS256Key(accessKey: key).signature(for: Data(input.utf8)))
    }

    static func admit(
        _ path: String,
        _ query: [(name: String, value: String)] = [],
        subprotocols: [String] = [],
        authorization: String? = nil
    ) -> Result<ClientAdmission, Refusal> {
        let request = ClientUpgradeRequest(
            path: path,
            query: RequestQuery(query),
            authority: "localhost:8080",
            subprotocolFields: subprotocols,
            authorization: authorization
        )
        return ClientAdmission.admit(request, authorizer: authorizer, audience: { _, _ in .any }, maxGroups: 2).flatMap(\.checked)
    }

    @Test("a kept verified token skips only the signature: expiry and audience are checked again at each use; refused tokens are never kept")
    func verifiedTokens() throws {
        let authorizer = Authorizer(verifier: TokenVerifier(accessKeys: [Self.key]), cachedTokens: 2)
        let token = Self.token(["sub": .string("u1")])
        let hub = AudienceExpectation.resource("http://localhost:8080/client/hubs/chat")
        #expect(try authorizer.grant(token, audience: hub).token.subject == "u1")
        #expect(authorizer.cachedTokenCount == 1)
        // The same token again, from the cache: later than its expiry (600 s + the 60 s skew) it is
        // refused, and for another hub's URL too.
        #expect(try authorizer.grant(token, audience: hub).token.subject == "u1")
        #expect(throws: PubSubError.self) { try authorizer.grant(token, audience: hub, now: Date().addingTimeInterval(700)) }
        let other = AudienceExpectation.resource("http://localhost:8080/client/hubs/other")
        #expect(throws: PubSubError.self) { try authorizer.grant(token, audience: other) }
        // A forged signature is refused and not kept; a full cache starts again.
        let forged = String(token.dropLast(2)) + (token.hasSuffix("AA") ? "BA" : "AA")
        #expect(throws: PubSubError.self) { try authorizer.grant(forged, audience: hub) }
        #expect(authorizer.cachedTokenCount == 1)
        _ = try authorizer.grant(Self.token(["sub": .string("u2")]), audience: hub)
        #expect(authorizer.cachedTokenCount == 2)
        _ = try authorizer.grant(Self.token(["sub": .string("u3")]), audience: hub)
        #expect(authorizer.cachedTokenCount == 1)
    }

    @Test("the token comes from access_token, else a Bearer header; empty or other schemes count as none")
    func credentials() {
        #expect(Credentials(query: RequestQuery([("access_token", "q")]), authorization: "Bearer h").token == "q")
        #expect(Credentials(query: RequestQuery([("access_token", "")]), authorization: "bearer  h ").token == "h")
        #expect(Credentials(query: RequestQuery(), authorization: "Basic h").token == nil)
        #expect(Credentials(query: RequestQuery(), authorization: "Bearer ").token == nil)
        #expect(Credentials(query: RequestQuery(), authorization: nil).token == nil)
    }

    @Test("admission reads the hub, the subprotocol, the user, roles and groups from a good request")
    func admits() throws {
        let token = Self.token([
            "sub": "alice", "role": .array([.string("webpubsub.sendToGroup.room"), .string("custom")]),
            "webpubsub.group": .array([.string("a")]),
        ])
        let admitted = try Self.admit(
            "/client/hubs/ch%61t",
            subprotocols: ["x, json.reliable.webpubsub.azure.v1", "json.webpubsub.azure.v1"],
            authorization: "Bearer \(token)"
        ).get()
        #expect(admitted.hub == "chat" && admitted.wireProtocol == .reliableJSON && admitted.userId == "alice")
        #expect(admitted.roles.map(\.description) == ["webpubsub.sendToGroup.room"] && admitted.groups == ["a"])
        #expect(admitted.offeredSubprotocols == ["x", "json.reliable.webpubsub.azure.v1", "json.webpubsub.azure.v1"])
    }

    @Test(
        "admission refuses with a status and a reason that says what to do",
        arguments: [
            ("/other", [(String, String)](), [String](), 404, "use /client/hubs/<hub>"),
            ("/client/hubs/a%2Fb", [], [], 400, "hub"),
            ("/client/hubs/chat", [], [], 401, "no access token"),
            ("/client/hubs/chat", [("access_token", "x.y.z")], [], 401, "access token refused"),
            ("/client/hubs/chat", [], ["protobuf.webpubsub.azure.v1"], 400, "protobuf"),
        ]
    )
    func refuses(path: String, query: [(String, String)], subprotocols: [String], status: Int, reason: String) {
        guard case .failure(let refusal) = Self.admit(path, query.map { (name: $0.0, value: $0.1) }, subprotocols: subprotocols) else {
            Issue.record("\(path) was admitted")
            return
        }
        #expect(refusal.status.code == status && refusal.message.contains(reason), "\(refusal)")
        #expect(refusal.format == .text)
    }

    @Test("a token naming more groups than a connection may join, or a simple client without the send role, is refused")
    func refusesGrants() {
        let many = Self.token(["webpubsub.group": .array([.string("a"), .string("b"), .string("c")])])
        guard case .failure(let tooMany) = Self.admit("/client/hubs/chat", [("access_token", many)]) else {
            Issue.record("admitted")
            return
        }
        #expect(tooMany.status == .badRequest && tooMany.message.contains("at most 2") && tooMany.hub == "chat")
        let plain = Self.token([:])
        guard case .failure(let mode) = Self.admit("/client/hubs/chat", [("access_token", plain), ("webpubsub_mode", "sendToGroup"), ("group", "g")]) else {
            Issue.record("admitted")
            return
        }
        #expect(mode.status == .forbidden && mode.message.contains("webpubsub.sendToGroup role"))
    }

    @Test("REST parameters out of range are 400s naming the parameter; Azure's error shape")
    func restRanges() {
        func refusal(_ query: [(name: String, value: String)], _ read: (RESTParameters) throws -> Void) -> Refusal? {
            do {
                try read(RESTParameters(RequestQuery(query)))
                return nil
            } catch {
                return error as? Refusal
            }
        }
        #expect(refusal([("minutesToExpire", "9223372036854775807")]) { _ = try $0.tokenRequest() }?.code == "InvalidMinutesToExpire")
        #expect(refusal([("messageTtlSeconds", "301")]) { _ = try $0.messageTTL() }?.code == "InvalidMessageTtl")
        #expect(refusal([("maxpagesize", "0")]) { _ = try $0.page() }?.code == "InvalidMaxPageSize")
        #expect(refusal([("continuationToken", "-1")]) { _ = try $0.page() }?.code == "InvalidContinuationToken")
        #expect(refusal([("api-version", "1999-01-01")]) { try $0.checkAPIVersion() }?.code == "InvalidApiVersion")
        #expect(refusal([("clientType", "x")]) { _ = try $0.tokenRequest() }?.code == "InvalidClientType")
        let long = refusal([("role", String(repeating: "r", count: 10_000))]) { _ = try $0.tokenRequest() }
        #expect(long?.code == "InvalidRole" && (long?.message.count ?? .max) < 200, "a refusal quotes at most 40 characters")
        #expect(long?.format == .errorDetail && long?.status == .badRequest)
    }

    @Test("a page is safe for any offset, and says whether another follows")
    func paging() throws {
        let page = try RESTParameters(RequestQuery([("maxpagesize", "2"), ("continuationToken", String(Int.max))])).page()
        #expect(page.range(in: 5) == (5..<5, false))
        let first = try RESTParameters(RequestQuery([("maxpagesize", "2"), ("top", "3")])).page()
        #expect(first.range(in: 5) == (0..<2, true))
        var second = first
        second.offset = 2
        #expect(second.range(in: 5) == (2..<3, false))
    }

    @Test("the :addToGroups body is read into groups and a filter, or refused")
    func groupsChange() throws {
        let change = try RESTParameters.groupsChange(Array(#"{"groups":["a","b"],"filter":"userId eq 'u'"}"#.utf8))
        #expect(change.groups == ["a", "b"] && change.filter != nil)
        #expect(throws: Refusal.self) { try RESTParameters.groupsChange(Array(#"{"groups":[1]}"#.utf8)) }
        #expect(throws: Refusal.self) { try RESTParameters.groupsChange(Array("[]".utf8)) }
    }
}

@Suite("JSON spans")
struct JSONSpanTests {
    static func span(_ text: String, _ name: String = "data") -> String? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { JSONSpan.member(name, in: $0) }.map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test("finds a member's value as written, whatever it is and wherever it stands")
    func finds() {
        #expect(Self.span(#"{"type":"x","data": {"b":[1,{"c":"}"}], "a":2e3} ,"z":1}"#) == #"{"b":[1,{"c":"}"}], "a":2e3}"#)
        #expect(Self.span(#" { "data" : "q\"uote" } "#) == #""q\"uote""#)
        #expect(Self.span(#"{"data":-1.50}"#) == "-1.50")
        #expect(Self.span(#"{"data":null,"x":[]}"#) == "null")
        #expect(Self.span(#"{"x":{"data":1},"data":true}"#) == "true", "only top-level members count")
    }

    @Test("nil where a parser's choice cannot be known: absent, twice, an escaped key, not an object")
    func refuses() {
        #expect(Self.span(#"{"x":1}"#) == nil)
        #expect(Self.span(#"{"data":1,"data":2}"#) == nil)
        #expect(Self.span(#"{"d\u0061ta":1,"data":2}"#) == nil)
        #expect(Self.span(#"["data",1]"#) == nil)
        #expect(Self.span(#"{"data":"#) == nil)
        #expect(Self.span(String(repeating: "[", count: 100_000)) == nil, "deep nesting is counted, not recursed")
    }
}
