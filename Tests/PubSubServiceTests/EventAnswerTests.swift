import Foundation
import NIOCore
import NIOHTTP1
import PubSubCore
import Testing

@testable import PubSubService

@Suite("Event handler answers")
struct EventAnswerTests {
    static let admission = ClientAdmission(
        hub: "chat",
        connectionId: "c1",
        wireProtocol: .json,
        userId: "alice",
        roles: [],
        groups: ["from-token"],
        recovery: nil,
        offeredSubprotocols: ["json.webpubsub.azure.v1", "json.reliable.webpubsub.azure.v1", "custom.v1"]
    )

    static func answer(_ status: HTTPResponseStatus, _ body: String = "", headers: [(String, String)] = []) -> EventUpstream.Answer {
        EventUpstream.Answer(status: status, headers: HTTPHeaders(headers), body: ByteBuffer(string: body))
    }

    @Test("a 200 connect answer sets the user, adds groups and roles, picks an offered subprotocol and keeps the state")
    func connectAnswer() throws {
        let body = #"{"userId":"carol","groups":["room"],"roles":["webpubsub.sendToGroup.room","not-a-role"],"subprotocol":"json.reliable.webpubsub.azure.v1"}"#
        let result = EventUpstream.admission(Self.admission, answeredBy: Self.answer(.ok, body, headers: [("ce-connectionState", "s1")]), hub: "chat")
        let admitted = try result.get()
        #expect(admitted.userId == "carol")
        #expect(admitted.groups == ["from-token", "room"])
        #expect(admitted.roles.count == 1 && admitted.roles[0].grants(.sendToGroup, on: "room"))
        #expect(admitted.wireProtocol == .reliableJSON && admitted.customSubprotocol == nil)
        #expect(admitted.connectionState == "s1")

        let custom = try EventUpstream.admission(Self.admission, answeredBy: Self.answer(.ok, #"{"subprotocol":"custom.v1"}"#), hub: "chat").get()
        #expect(custom.wireProtocol == .simple && custom.responseSubprotocol == "custom.v1")

        let unchanged = try EventUpstream.admission(Self.admission, answeredBy: Self.answer(.noContent), hub: "chat").get()
        #expect(unchanged.userId == "alice" && unchanged.wireProtocol == .json && unchanged.groups == ["from-token"])
    }

    @Test(
        "a connect answer that refuses, or that cannot be used, refuses the handshake with a reason",
        arguments: [
            (HTTPResponseStatus.unauthorized, "", 401, "refused the connection with 401"),
            (.forbidden, "banned", 403, "banned"),
            (.conflict, "busy", 409, "busy"),
            (.internalServerError, "boom", 500, "boom"),
            (.ok, "[1]", 500, "not a JSON object"),
            (.ok, #"{"userId":7}"#, 500, "userId that is not a string"),
            (.ok, #"{"groups":"room"}"#, 500, "groups that are not an array"),
            (.ok, #"{"roles":[1]}"#, 500, "roles that are not an array"),
            (.ok, #"{"subprotocol":"other.v1"}"#, 500, "which the client did not offer"),
            (.ok, #"{"subprotocol":""}"#, 500, "omit it"),
        ]
    )
    func connectRefusals(status: HTTPResponseStatus, body: String, expected: Int, reason: String) {
        let result = EventUpstream.admission(Self.admission, answeredBy: Self.answer(status, body), hub: "chat")
        guard case .failure(let refusal) = result else {
            Issue.record("admitted")
            return
        }
        #expect(refusal.status.code == expected)
        #expect(refusal.message.contains(reason), "\(refusal.message)")
    }

    @Test("a user event's answer becomes a message by its Content-Type")
    func payloads() throws {
        func payload(_ type: String, _ body: String) -> Result<Message, EventUpstream.PayloadProblem> {
            EventUpstream.payload(of: Self.answer(.ok, body, headers: [("Content-Type", type)]))
        }
        let json = try payload("application/json; charset=utf-8", #"{"a":1}"#).get()
        #expect(json.type == .json && json.text == #"{"a":1}"#)
        let text = try payload("text/plain", "hi").get()
        #expect(text.type == .text && text.text == "hi")
        let bytes = try payload("application/octet-stream", "\u{1}").get()
        #expect(bytes.type == .binary && bytes.byteCount == 1)
        #expect(throws: EventUpstream.PayloadProblem.self) { try payload("application/json", "{nope").get() }
    }

    @Test("the abuse-protection answer must allow this origin or any")
    func validation() {
        #expect(EventUpstream.validationRefusal(Self.answer(.ok, headers: [("WebHook-Allowed-Origin", "*")]), origin: "localhost:8080") == nil)
        #expect(EventUpstream.validationRefusal(Self.answer(.ok, headers: [("WebHook-Allowed-Origin", "LOCALHOST:8080")]), origin: "localhost:8080") == nil)
        #expect(EventUpstream.validationRefusal(Self.answer(.ok), origin: "localhost:8080")?.contains("no WebHook-Allowed-Origin") == true)
        #expect(EventUpstream.validationRefusal(Self.answer(.ok, headers: [("WebHook-Allowed-Origin", "other:1")]), origin: "localhost:8080")?.contains("allows other:1") == true)
        #expect(EventUpstream.validationRefusal(Self.answer(.notFound), origin: "localhost:8080")?.contains("404") == true)
    }

    struct Mismatch: Error {}
}
