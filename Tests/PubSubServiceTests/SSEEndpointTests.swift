import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import PubSubClient
import PubSubCore
import PubSubService
import Testing

/// An SSE stream read with AsyncHTTPClient, parsed as a browser would.
struct LiveSSEStream {
    let response: HTTPClientResponse
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private(set) var parser = SSEParser()
    private(set) var events: [SSEParser.Event] = []

    static func open(port: Int, query: String, headers: [(String, String)] = []) async throws -> LiveSSEStream {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/events?\(query)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return LiveSSEStream(response: response, iterator: response.body.makeAsyncIterator())
    }

    var status: HTTPResponseStatus { response.status }
    func header(_ name: String) -> String? { response.headers.first(name: name) }

    /// Reads until `done` holds (events so far, comments so far).
    mutating func read(until done: ([SSEParser.Event], [String]) -> Bool) async throws {
        while !done(events, parser.comments) {
            guard let buffer = try await iterator.next() else { throw SSEStreamEnded() }
            events += parser.feed(String(buffer: buffer))
        }
    }

    mutating func readEvents(_ count: Int) async throws -> [SSEParser.Event] {
        try await read { events, _ in events.count >= count }
        return events
    }

    /// Waits for the `: connected` comment that opens every stream.
    mutating func waitOpen() async throws {
        try await read { _, comments in comments.contains("connected") }
    }

    /// The whole body of a refused request.
    mutating func text() async throws -> String {
        var text = ""
        while let buffer = try await iterator.next() { text += String(buffer: buffer) }
        return text
    }
}

struct SSEStreamEnded: Error {}

@Suite("SSE endpoint of pubsub serve")
struct SSEEndpointTests {
    static func publish(_ client: HubClient, _ port: Int, group: String?, _ body: String, contentType: String = "text/plain") async throws {
        let path = group.map { "/api/hubs/chat/groups/\($0)/:send" } ?? "/api/hubs/chat/:send"
        let response = try await RESTTests.call(client, port, .post, path, contentType: contentType, body: body)
        #expect(response.status == .accepted)
    }

    static func reader(_ port: Int, groups: [String] = ["g"]) -> String {
        "hub=chat&access_token=" + LiveHub.token(port: port, roles: groups.map { "webpubsub.joinLeaveGroup.\($0)" })
            + groups.map { "&group=\($0)" }.joined()
    }

    @Test("events arrive in order with multi-line text and JSON; a dropped reader resumes with Last-Event-ID")
    func orderAndResume() async throws {
        try await LiveHub.run { client, port in
            var stream = try await LiveSSEStream.open(port: port, query: Self.reader(port))
            #expect(stream.status == .ok)
            #expect(stream.header("Content-Type") == "text/event-stream; charset=utf-8")
            #expect(stream.header("Cache-Control") == "no-cache")
            #expect(stream.header("X-Accel-Buffering") == "no")
            try await stream.waitOpen()
            try await Self.publish(client, port, group: "g", "first line\nsecond line")
            try await Self.publish(client, port, group: nil, #"{"price": 12.5}"#, contentType: "application/json")
            try await Self.publish(client, port, group: "not-mine", "unseen")
            try await Self.publish(client, port, group: "g", "third")
            let events = try await stream.readEvents(3)
            #expect(events.map(\.name) == ["group-message", "server-message", "group-message"])
            #expect(events.map(\.data) == ["first line\nsecond line", #"{"price": 12.5}"#, "third"])
            let ids = events.compactMap { $0.id.flatMap(UInt64.init) }
            #expect(ids.count == 3 && ids == ids.sorted() && Set(ids).count == 3)
            #expect(stream.parser.retry == 3000)

            // The reader goes away; two messages are published meanwhile.
            stream = try await LiveSSEStream.open(port: port, query: Self.reader(port, groups: ["g"]), headers: [("Last-Event-ID", String(ids[2]))])
            #expect(stream.header("X-PubSub-Replay-From") == String(ids[2] + 1))
            try await stream.waitOpen()
            try await Self.publish(client, port, group: "g", "fourth")
            try await Self.publish(client, port, group: "g", "fifth")
            var resumed = try await LiveSSEStream.open(port: port, query: Self.reader(port) + "&last_event_id=\(ids[2])")
            #expect(resumed.header("X-PubSub-Events-Lost") == nil)
            let replayed = try await resumed.readEvents(2)
            #expect(replayed.map(\.data) == ["fourth", "fifth"])
            #expect(!replayed.contains { $0.name == "loss" })
        }
    }

    @Test("a group is carried from its first reader on (what came before is not kept), within the hub's group limit")
    func groupsOnDemand() async throws {
        var configuration = ServiceConfiguration(port: 0)
        configuration.sse.maxGroups = 1
        configuration.sse.groupLinger = .milliseconds(100)
        try await LiveHub.run(configuration) { client, port in
            // Published before anyone reads the group: not kept for it (nor numbered).
            var first = try await LiveSSEStream.open(port: port, query: Self.reader(port, groups: ["early"]))
            try await first.waitOpen()
            try await Self.publish(client, port, group: "early", "read")
            #expect(try await first.readEvents(1).map(\.data) == ["read"])

            var full = try await LiveSSEStream.open(port: port, query: Self.reader(port, groups: ["second"]))
            #expect(full.status == .serviceUnavailable)
            #expect(try await full.text().contains("--max-groups"))
        }
        try await LiveHub.run(configuration) { client, port in
            try await Self.publish(client, port, group: "late", "before any reader")
            var stream = try await LiveSSEStream.open(port: port, query: Self.reader(port, groups: ["late"]) + "&last_event_id=0")
            try await stream.waitOpen()
            try await Self.publish(client, port, group: "late", "after")
            let events = try await stream.readEvents(2)
            #expect(events.map(\.name) == ["loss", "group-message"])
            #expect(events.last?.data == "after", "the message from before its first reader was not kept")
        }
    }

    @Test("resuming from before the history gets an explicit loss event and the replay start header")
    func lossBeyondHistory() async throws {
        try await LiveHub.run(ServiceConfiguration(port: 0, sseHistoryLimit: 3)) { client, port in
            var stream = try await LiveSSEStream.open(port: port, query: Self.reader(port))
            try await stream.waitOpen()
            try await Self.publish(client, port, group: "g", "m0")
            let seen = try await stream.readEvents(1)
            let last = try #require(seen.first?.id)
            for index in 1...5 { try await Self.publish(client, port, group: "g", "m\(index)") }
            var resumed = try await LiveSSEStream.open(port: port, query: Self.reader(port), headers: [("Last-Event-ID", last)])
            #expect(resumed.header("X-PubSub-Events-Lost") == "true")
            let replayFrom = try #require(resumed.header("X-PubSub-Replay-From"))
            let events = try await resumed.readEvents(4)
            #expect(events.map(\.name) == ["loss", "group-message", "group-message", "group-message"])
            #expect(events.dropFirst().map(\.data) == ["m3", "m4", "m5"])
            #expect(events.dropFirst().first?.id == replayFrom)
            #expect(events.first?.data.contains(#""lastEventId":"\#(last)""#) == true)
        }
    }

    @Test("tokens decide what may be read: 401 without, 403 for a group not granted, public groups anonymous")
    func access() async throws {
        var options = SSEEndpoint.Options()
        options.publicGroups = ["news"]
        options.allowOrigin = "https://app.example"
        try await LiveHub.run(ServiceConfiguration(port: 0, sse: options)) { client, port in
            var anonymous = try await LiveSSEStream.open(port: port, query: "hub=chat&group=g")
            #expect(anonymous.status == .unauthorized)
            #expect(try await anonymous.text().contains("access token is needed to read group \"g\""))

            let serverWide = try await LiveSSEStream.open(port: port, query: "hub=chat")
            #expect(serverWide.status == .unauthorized)

            var forbidden = try await LiveSSEStream.open(port: port, query: Self.reader(port) + "&group=secret")
            #expect(forbidden.status == .forbidden)
            #expect(try await forbidden.text().contains("may not read group \"secret\""))

            let wrongKey = LiveHub.token(port: port, roles: ["webpubsub.joinLeaveGroup.g"], key: "another-key")
            var refused = try await LiveSSEStream.open(port: port, query: "hub=chat&group=g&access_token=\(wrongKey)")
            #expect(refused.status == .unauthorized)
            #expect(try await refused.text().contains("access token refused"))

            let noHub = try await LiveSSEStream.open(port: port, query: "group=news")
            #expect(noHub.status == .badRequest)

            // A token that starts in a group may read it; a public group needs no token at all.
            let initial = LiveHub.token(port: port, groups: ["team"])
            var member = try await LiveSSEStream.open(port: port, query: "hub=chat&group=team&access_token=\(initial)")
            #expect(member.status == .ok)
            try await member.waitOpen()
            var reader = try await LiveSSEStream.open(port: port, query: "hub=chat&group=news", headers: [("Origin", "https://app.example")])
            #expect(reader.status == .ok)
            #expect(reader.header("Access-Control-Allow-Origin") == "https://app.example")
            try await reader.waitOpen()
            try await Self.publish(client, port, group: nil, "server-wide")
            try await Self.publish(client, port, group: "news", "headline")
            #expect(try await reader.readEvents(1).map(\.data) == ["headline"], "anonymous readers get their public groups only")
            #expect(try await member.readEvents(1).map(\.data) == ["server-wide"])

            let preflight = try await client.execute(
                uri: "/publish?hub=chat", method: .options,
                headers: [.origin: "https://app.example", .accessControlRequestMethod: "POST"]
            )
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://app.example")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            let otherOrigin = try await LiveSSEStream.open(port: port, query: "hub=chat&group=news", headers: [("Origin", "https://evil.example")])
            #expect(otherOrigin.header("Access-Control-Allow-Origin") == nil)
        }
    }

    @Test("an idle stream gets heartbeat comments")
    func heartbeat() async throws {
        var options = SSEEndpoint.Options()
        options.heartbeat = .milliseconds(200)
        try await LiveHub.run(ServiceConfiguration(port: 0, sse: options)) { _, port in
            var stream = try await LiveSSEStream.open(port: port, query: Self.reader(port))
            try await stream.read { _, comments in comments.filter { $0 == "heartbeat" }.count >= 2 }
            #expect(stream.events.isEmpty)
        }
    }

    @Test("POST /publish relays to WebSocket clients and SSE readers; rights are checked")
    func publishEndpoint() async throws {
        try await LiveHub.run { client, port in
            var stream = try await LiveSSEStream.open(port: port, query: Self.reader(port))
            try await stream.waitOpen()
            let sender = LiveHub.token(port: port, roles: ["webpubsub.sendToGroup.g"])
            let post = { (query: String, token: String?, body: String, type: String) in
                try await client.execute(
                    uri: "/publish?hub=chat\(query)", method: .post,
                    headers: token.map { [.authorization: "Bearer \($0)", .contentType: type] } ?? [.contentType: type],
                    body: ByteBuffer(string: body)
                )
            }
            #expect(try await post("&group=g", sender, "posted", "text/plain").status == .accepted)
            #expect(try await post("&group=g", sender, "{bad", "application/json").status == .badRequest)
            #expect(try await post("&group=other", sender, "x", "text/plain").status == .forbidden)
            #expect(try await post("", sender, "x", "text/plain").status == .forbidden)
            #expect(try await post("&group=g", nil, "x", "text/plain").status == .unauthorized)
            // A service token (REST audience) may send server-wide.
            let service = LiveHub.restHeaders(port: port, path: "/api/hubs/chat", contentType: "application/json")
            let serverWide = try await client.execute(uri: "/publish?hub=chat", method: .post, headers: service, body: ByteBuffer(string: #"{"n":1}"#))
            #expect(serverWide.status == .accepted)
            let events = try await stream.readEvents(2)
            #expect(events.map(\.data) == ["posted", #"{"n":1}"#])
            #expect(events.map(\.name) == ["group-message", "server-message"])
        }
    }
}
