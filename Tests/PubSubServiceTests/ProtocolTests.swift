import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import NIOCore
import NIOWebSocket
import PubSubCore
import PubSubService
import Testing

@Suite("Client protocol")
struct ProtocolTests {
    static func path(_ port: Int, user: String? = nil, roles: [String] = [], groups: [String] = []) -> String {
        "/client/hubs/chat?access_token=\(LiveHub.token(port: port, user: user, roles: roles, groups: groups))"
    }

    static func ack(_ message: ServiceMessage) -> (UInt64, Bool, String?)? {
        guard case .ack(let id, let success, let error) = message else { return nil }
        return (id, success, error?.name)
    }

    @Test("group-scoped and wildcard roles allow exactly their groups")
    func scopedAndWildcardRoles() async throws {
        try await LiveHub.run { client, port in
            let roles = ["webpubsub.joinLeaveGroups.tenant1.*", "webpubsub.sendToGroup.room1", "webpubsub.joinLeaveGroup.room1"]
            try await client.ws(Self.path(port, user: "u", roles: roles), configuration: LiveHub.socketConfiguration(LiveHub.json)) {
                inbound,
                outbound,
                _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                let requests: [(String, Bool)] = [
                    (#"{"type":"joinGroup","group":"tenant1.a","ackId":1}"#, true),
                    (#"{"type":"joinGroup","group":"tenant1.a.b","ackId":2}"#, false),
                    (#"{"type":"joinGroup","group":"tenant2.a","ackId":3}"#, false),
                    (#"{"type":"joinGroup","group":"room1","ackId":4}"#, true),
                    (#"{"type":"sendToGroup","group":"room2","ackId":5,"dataType":"text","data":"x"}"#, false),
                    (#"{"type":"leaveGroup","group":"tenant1.a","ackId":6}"#, true),
                ]
                for (index, (request, allowed)) in requests.enumerated() {
                    try await outbound.write(.text(request))
                    let ack = try #require(Self.ack(try await frames.nextMessage()))
                    #expect(ack.0 == UInt64(index + 1))
                    #expect(ack.1 == allowed, "\(request)")
                    #expect(ack.2 == (allowed ? nil : "Forbidden"))
                }
                // sendToGroup room1 is allowed and echoes back (member of room1, noEcho false).
                try await outbound.write(.text(#"{"type":"sendToGroup","group":"room1","ackId":7,"dataType":"json","data":{"a":[1,2.5,"x"]}}"#))
                var sawAck = false
                var sawMessage = false
                for _ in 0..<2 {
                    switch try await frames.nextMessage() {
                    case .ack(7, true, nil): sawAck = true
                    case .groupMessage("room1", "u", .json(let value), nil):
                        sawMessage = value == .object(["a": .array([.integer(1), .number(2.5), .string("x")])])
                    case let other: Issue.record("unexpected \(other)")
                    }
                }
                #expect(sawAck && sawMessage)
            }
        }
    }

    @Test("a group's publish reaches its members as they are now: not after a leave, again after a join")
    func membershipAfterLeaveAndJoin() async throws {
        try await LiveHub.run { client, port in
            let path = Self.path(port, roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"])
            // A member that stays, so that the group outlives the other's leave.
            try await client.ws(path, configuration: LiveHub.socketConfiguration(LiveHub.json)) { stayingInbound, stayingOutbound, _ in
                var staying = Frames(stayingInbound)
                _ = try await staying.nextMessage()
                try await stayingOutbound.write(.text(#"{"type":"joinGroup","group":"g","ackId":1}"#))
                #expect(Self.ack(try await staying.nextMessage())?.1 == true)
                try await client.ws(path, configuration: LiveHub.socketConfiguration(LiveHub.json)) { inbound, outbound, _ in
                    var frames = Frames(inbound)
                    _ = try await frames.nextMessage()
                    // Each step's frames, in order: a publish to the group echoes to a member before its ack.
                    let steps: [(String, [String])] = [
                        (#"{"type":"joinGroup","group":"g","ackId":1}"#, ["ack 1"]),
                        (#"{"type":"sendToGroup","group":"g","ackId":2,"dataType":"text","data":"a"}"#, ["message a", "ack 2"]),
                        (#"{"type":"leaveGroup","group":"g","ackId":3}"#, ["ack 3"]),
                        (#"{"type":"sendToGroup","group":"g","ackId":4,"dataType":"text","data":"b"}"#, ["ack 4"]),
                        (#"{"type":"joinGroup","group":"g","ackId":5}"#, ["ack 5"]),
                        (#"{"type":"sendToGroup","group":"g","ackId":6,"dataType":"text","data":"c"}"#, ["message c", "ack 6"]),
                    ]
                    for (request, expected) in steps {
                        try await outbound.write(.text(request))
                        var seen: [String] = []
                        for _ in expected {
                            switch try await frames.nextMessage() {
                            case .ack(let id, true, nil): seen.append("ack \(id)")
                            case .groupMessage("g", _, .text(let text), nil): seen.append("message \(text)")
                            case let other: seen.append("\(other)")
                            }
                        }
                        #expect(seen == expected, "\(request)")
                    }
                }
                // The member that stayed got all three.
                var texts: [String] = []
                for _ in 0..<3 {
                    if case .groupMessage("g", _, .text(let text), nil) = try await staying.nextMessage() { texts.append(text) }
                }
                #expect(texts == ["a", "b", "c"])
            }
        }
    }

    @Test("a repeated ackId gets Duplicate and is not executed again")
    func duplicateAck() async throws {
        try await LiveHub.run { client, port in
            try await client.ws(
                Self.path(port, roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"]),
                configuration: LiveHub.socketConfiguration(LiveHub.json)
            ) { inbound, outbound, _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                try await outbound.write(.text(#"{"type":"joinGroup","group":"g","ackId":1}"#))
                #expect(Self.ack(try await frames.nextMessage())?.1 == true)
                try await outbound.write(.text(#"{"type":"sendToGroup","group":"g","ackId":2,"dataType":"text","data":"once"}"#))
                try await outbound.write(.text(#"{"type":"sendToGroup","group":"g","ackId":2,"dataType":"text","data":"twice"}"#))
                try await outbound.write(.text(#"{"type":"ping"}"#))
                var seen: [ServiceMessage] = []
                for _ in 0..<4 { seen.append(try await frames.nextMessage()) }
                #expect(seen.contains(.groupMessage(group: "g", fromUserId: nil, data: .text("once"), sequenceId: nil)))
                #expect(!seen.contains(.groupMessage(group: "g", fromUserId: nil, data: .text("twice"), sequenceId: nil)))
                #expect(seen.contains { Self.ack($0).map { $0.0 == 2 && !$0.1 && $0.2 == "Duplicate" } ?? false })
                #expect(seen.last == .pong)
            }
        }
    }

    @Test("initial groups come from the token; an event no handler takes is an InternalServerError ack, and its retry runs again")
    func initialGroupsAndEvents() async throws {
        try await LiveHub.run { client, port in
            try await client.ws(Self.path(port, user: "g", groups: ["lobby"]), configuration: LiveHub.socketConfiguration(LiveHub.reliable)) {
                inbound,
                outbound,
                _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                let send = "/api/hubs/chat/groups/lobby/:send"
                let response = try await client.execute(
                    uri: send + "?api-version=2024-12-01",
                    method: .post,
                    headers: LiveHub.restHeaders(port: port, path: send, contentType: "text/plain"),
                    body: ByteBuffer(string: "welcome")
                )
                #expect(response.status == .accepted, "\(String(buffer: response.body))")
                #expect(try await frames.nextMessage() == .groupMessage(group: "lobby", fromUserId: nil, data: .text("welcome"), sequenceId: 1))
                // The SDKs retry a failed send with the same ackId: the retry fails the same way
                // rather than being answered Duplicate, which they would count as success.
                for _ in 0..<2 {
                    try await outbound.write(.text(#"{"type":"event","event":"chat","ackId":9,"dataType":"text","data":"hi"}"#))
                    guard case .ack(9, false, let error?) = try await frames.nextMessage() else {
                        Issue.record("expected a failed ack")
                        return
                    }
                    #expect(error.name == "InternalServerError")
                    #expect(error.message.contains("No event handler"))
                }
            }
        }
    }

    @Test("JSON data reaches subscribers as the publisher wrote it, the same bytes from a client and from REST")
    func jsonAsWritten() async throws {
        // Key order, number forms, an escape and spacing that re-encoding would all change.
        let data = #"{"b": 1, "a":[1.50,2e3], "s":"\u00e9"}"#
        try await LiveHub.run { client, port in
            let (spans, spansContinuation) = AsyncStream.makeStream(of: String.self)
            async let subscriberClosed = client.ws(Self.path(port, groups: ["same"]), configuration: LiveHub.socketConfiguration(LiveHub.reliable)) {
                inbound, outbound, _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                for _ in 0..<2 {
                    guard case .text(let frame) = try await frames.next() else { throw CancellationError() }
                    let bytes = Array(frame.utf8)
                    let span = try #require(bytes.withUnsafeBytes { JSONSpan.member("data", in: $0) })
                    spansContinuation.yield(String(decoding: bytes[span], as: UTF8.self))
                }
                spansContinuation.finish()
                try await outbound.close(.normalClosure, reason: nil)
            }
            try await waitUntil { try await groupExists(client, port, "same") }
            try await client.ws(Self.path(port, roles: ["webpubsub.sendToGroup.same"]), configuration: LiveHub.socketConfiguration(LiveHub.json)) {
                inbound, outbound, _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                try await outbound.write(.text(#"{"type":"sendToGroup","group":"same","dataType":"json","ackId":1,"data":"# + data + "}"))
                #expect(Self.ack(try await frames.nextMessage())?.1 == true)
                try await outbound.close(.normalClosure, reason: nil)
            }
            let path = "/api/hubs/chat/groups/same/:send"
            let response = try await client.execute(
                uri: path,
                method: .post,
                headers: LiveHub.restHeaders(port: port, path: path, contentType: "application/json"),
                body: ByteBuffer(string: data)
            )
            #expect(response.status == .accepted)
            var received: [String] = []
            for await span in spans { received.append(span) }
            #expect(received == [data, data])
            _ = try await subscriberClosed
        }
    }

    @Test("simple clients get raw frames, and publish raw frames in sendToGroup mode")
    func simpleClients() async throws {
        try await LiveHub.run { client, port in
            let token = LiveHub.token(port: port, user: "simple", roles: ["webpubsub.sendToGroup.room"])
            async let receiverClosed = client.ws(Self.path(port, user: "json", groups: ["room"]), configuration: LiveHub.socketConfiguration(LiveHub.json)) {
                inbound,
                outbound,
                _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                var messages: [ServiceMessage] = []
                for _ in 0..<2 { messages.append(try await frames.nextMessage()) }
                try await outbound.close(.normalClosure, reason: nil)
                #expect(
                    messages == [
                        .groupMessage(group: "room", fromUserId: "simple", data: .text("raw text"), sequenceId: nil),
                        .groupMessage(group: "room", fromUserId: "simple", data: .binary(Data([1, 2, 3])), sequenceId: nil),
                    ]
                )
            }
            // Wait until the receiver has joined before publishing: poll the REST existence check.
            try await waitUntil { try await groupExists(client, port, "room") }
            try await client.ws(
                "/client/hubs/chat?access_token=\(token)&webpubsub_mode=sendToGroup&group=room",
                configuration: LiveHub.socketConfiguration(nil)
            ) { inbound, outbound, _ in
                try await outbound.write(.text("raw text"))
                try await outbound.write(.binary(ByteBuffer(bytes: [1, 2, 3])))
                // A REST send reaches a simple client as raw frames, JSON keeping its text.
                for (contentType, body) in [("text/plain", "plain"), ("application/json", #""quoted""#), ("application/octet-stream", "\u{1}\u{2}")] {
                    let path = "/api/hubs/chat/users/simple/:send"
                    _ = try await client.execute(
                        uri: path,
                        method: .post,
                        headers: LiveHub.restHeaders(port: port, path: path, contentType: contentType),
                        body: ByteBuffer(string: body)
                    )
                }
                var frames = Frames(inbound)
                #expect(try await frames.next() == .text("plain"))
                #expect(try await frames.next() == .text(#""quoted""#))
                #expect(try await frames.next() == .binary(ByteBuffer(bytes: [1, 2])))
            }
            _ = try await receiverClosed
        }
    }

    @Test(
        "malformed requests get an ack error when they carry an ackId, and close the socket when they do not",
        arguments: [
            (#"{"type":"joinGroup","ackId":1}"#, "BadRequest"),
            (#"{"type":"sendToGroup","group":"g","ackId":1,"dataType":"binary","data":"***"}"#, "BadRequest"),
            (#"{"type":"bogus","ackId":1}"#, "BadRequest"),
            (#"{"type":"joinGroup","group":"   ","ackId":1}"#, "BadRequest"),
        ]
    )
    func malformedWithAck(request: String, errorName: String) async throws {
        try await LiveHub.run { client, port in
            try await client.ws(Self.path(port, roles: ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"]), configuration: LiveHub.socketConfiguration(LiveHub.json)) {
                inbound,
                outbound,
                _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                try await outbound.write(.text(request))
                let ack = try #require(Self.ack(try await frames.nextMessage()))
                #expect(ack.1 == false)
                #expect(ack.2 == errorName)
                // The connection still works.
                try await outbound.write(.text(#"{"type":"ping"}"#))
                #expect(try await frames.nextMessage() == .pong)
            }
        }
    }

    @Test(
        "bad frames close the socket with a specific code and reason",
        arguments: [
            ("not json", WebSocketErrorCode.policyViolation, "not valid JSON"),
            (#"{"type":"bogus"}"#, .policyViolation, "Unknown message type"),
            (#"{"group":"g"}"#, .policyViolation, "no \"type\""),
        ]
    )
    func badFramesClose(frame: String, code: WebSocketErrorCode, reason: String) async throws {
        try await LiveHub.run { client, port in
            let close = try await client.ws(Self.path(port), configuration: LiveHub.socketConfiguration(LiveHub.json)) { inbound, outbound, _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                try await outbound.write(.text(frame))
                let rest = try await frames.drain()
                guard case .disconnected(let message?) = rest.last else {
                    Issue.record("expected a disconnected message before the close, got \(rest)")
                    return
                }
                #expect(message.contains(reason))
            }
            #expect(close?.closeCode == code)
            #expect(close?.reason?.contains(reason) == true)
        }
    }

    @Test("binary frames with UTF-8 JSON are accepted on the JSON subprotocol; a message over 1 MB closes with 1009")
    func binaryJSONAndSizeLimit() async throws {
        try await LiveHub.run { client, port in
            let close = try await client.ws(Self.path(port), configuration: LiveHub.socketConfiguration(LiveHub.json)) { inbound, outbound, _ in
                var frames = Frames(inbound)
                _ = try await frames.nextMessage()
                try await outbound.write(.binary(ByteBuffer(string: #"{"type":"ping"}"#)))
                #expect(try await frames.nextMessage() == .pong)
                let big = #"{"type":"event","event":"e","dataType":"text","data":""# + String(repeating: "x", count: 1 << 20) + "\"}"
                try await outbound.write(.text(big))
                _ = try await frames.drain()
            }
            #expect(close?.closeCode == .messageTooLarge)
        }
    }
}

func groupExists(_ client: HubClient, _ port: Int, _ group: String, hub: String = "chat") async throws -> Bool {
    let path = "/api/hubs/\(hub)/groups/\(group)"
    return try await client.execute(uri: path, method: .head, headers: LiveHub.restHeaders(port: port, path: path)).status == .ok
}

/// Polls a condition on the service until it holds (bounded by the test's deadline).
func waitUntil(_ condition: @Sendable () async throws -> Bool) async throws {
    while try await !condition() {
        try await Task.sleep(for: .milliseconds(10))
    }
}
