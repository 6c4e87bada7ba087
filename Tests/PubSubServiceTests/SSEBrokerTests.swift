import Foundation
import NIOCore
import PubSubClient
import PubSubCore
import Testing

@testable import PubSubService

extension SSEParser {
    static func parse(_ buffer: ByteBuffer) -> [Event] {
        var parser = SSEParser()
        return parser.feed(buffer.readableBytesView)
    }
}

@Suite("SSE encoding and history")
struct SSEBrokerTests {
    @Test("every line break form splits data lines; a browser gets the text back with \\n")
    func multiLineText() {
        let buffer = SSEEncoding.event(id: 7, stream: .group("g"), payload: .text("a\r\nb\rc\n\nd"), retryMilliseconds: 2500)
        #expect(
            String(buffer: buffer)
                == "id: 7\nevent: group-message\nretry: 2500\ndata: a\ndata: b\ndata: c\ndata: \ndata: d\n\n"
        )
        #expect(SSEParser.parse(buffer) == [.init(id: "7", name: "group-message", data: "a\nb\nc\n\nd")])
    }

    @Test("JSON goes as written, binary as base64, server messages are server-message events")
    func jsonAndBinary() {
        let json = SSEEncoding.event(id: 1, stream: .server, payload: .json("{\n \"a\": [1, 2]\n}"), retryMilliseconds: 3000)
        #expect(SSEParser.parse(json) == [.init(id: "1", name: "server-message", data: "{\n \"a\": [1, 2]\n}")])
        let binary = SSEEncoding.event(id: 2, stream: .group("g"), payload: .binary(ByteBuffer(bytes: [0, 1, 254, 255])), retryMilliseconds: 3000)
        #expect(SSEParser.parse(binary) == [.init(id: "2", name: "group-message", data: "AAH+/w==")])
    }

    /// The events a subscription holds right now (replay).
    static func drain(_ subscription: SSEBroker.Subscription) async -> [SSEParser.Event] {
        subscription.queue.finish()
        var events: [SSEParser.Event] = []
        var parser = SSEParser()
        while let batch = await subscription.queue.takeAll() {
            for buffer in batch { events += parser.feed(String(buffer: buffer)) }
        }
        return events
    }

    @Test("resume replays exactly the events after Last-Event-ID, across streams, in id order")
    func resume() async throws {
        let broker = SSEBroker(historyLimit: 10, pinned: ["g", "h"], firstId: 100)
        broker.publish(.text("g1"), to: .group("g"))
        broker.publish(.text("s1"), to: .server)
        broker.publish(.text("other"), to: .group("h"))
        broker.publish(.text("g2"), to: .group("g"))
        let subscription = try #require(broker.subscribe(to: [.server, .group("g")], lastEventId: "100"))
        #expect(subscription.replayFrom == 101)
        #expect(!subscription.lossReported)
        let events = await Self.drain(subscription)
        #expect(events.map(\.data) == ["s1", "g2"])
        #expect(events.map(\.id) == ["101", "103"])

        let upToDate = try #require(broker.subscribe(to: [.group("g")], lastEventId: "103"))
        #expect(upToDate.replayFrom == 104, "nothing to replay: replay starts at the next id")
        #expect(await Self.drain(upToDate).isEmpty)
    }

    @Test("an id older than the history gets a loss event first, then what is left")
    func lossWhenEvicted() async throws {
        let broker = SSEBroker(historyLimit: 3, pinned: ["g"], firstId: 1)
        for index in 1...6 { broker.publish(.text("m\(index)"), to: .group("g")) }
        let subscription = try #require(broker.subscribe(to: [.group("g")], lastEventId: "1"))
        #expect(subscription.lossReported)
        #expect(subscription.replayFrom == 4)
        let events = await Self.drain(subscription)
        #expect(events.first?.name == "loss")
        #expect(events.first?.id == nil, "the loss record does not move the browser's last event id")
        #expect(events.first?.data.contains("\"replayFrom\":\"4\"") == true)
        #expect(events.dropFirst().map(\.data) == ["m4", "m5", "m6"])

        // One before the oldest kept is still complete.
        let complete = try #require(broker.subscribe(to: [.group("g")], lastEventId: "3"))
        #expect(!complete.lossReported)
        #expect(await Self.drain(complete).map(\.data) == ["m4", "m5", "m6"])
    }

    @Test("unknown, future and pre-start ids are reported as loss and replay the whole history", arguments: ["abc", "999", "5"])
    func unknownIds(lastEventId: String) async throws {
        let broker = SSEBroker(historyLimit: 10, firstId: 50)
        broker.publish(.text("a"), to: .server)
        broker.publish(.text("b"), to: .server)
        let subscription = try #require(broker.subscribe(to: [.server], lastEventId: lastEventId))
        #expect(subscription.lossReported)
        #expect(subscription.replayFrom == 50)
        let events = await Self.drain(subscription)
        #expect(events.map(\.name) == ["loss", "server-message", "server-message"])
    }

    @Test("a gap in the feed is told to live readers and to readers resuming from before it")
    func feedGap() async throws {
        let broker = SSEBroker(historyLimit: 10, firstId: 1)
        broker.publish(.text("before"), to: .server)
        let live = try #require(broker.subscribe(to: [.server], lastEventId: nil))
        broker.reportGap("upstream replaced")
        broker.publish(.text("after"), to: .server)
        #expect(await Self.drain(live).map(\.name) == ["loss", "server-message"])

        let resumedBefore = try #require(broker.subscribe(to: [.server], lastEventId: "1"))
        #expect(resumedBefore.lossReported)
        let resumedAfter = try #require(broker.subscribe(to: [.server], lastEventId: "2"))
        #expect(!resumedAfter.lossReported)
        #expect(await Self.drain(resumedAfter).isEmpty)
    }

    @Test("a reader that cannot keep up is cut off, and can resume without loss from the history")
    func slowReader() async throws {
        let broker = SSEBroker(historyLimit: 100, queueLimit: 2, firstId: 1)
        let slow = try #require(broker.subscribe(to: [.server], lastEventId: nil))
        for index in 1...5 { broker.publish(.text("m\(index)"), to: .server) }
        #expect(broker.listenerCount == 0, "the full queue ended the subscription")
        let received = await Self.drain(slow)
        #expect(received.map(\.data) == ["m1", "m2"])
        let resumed = try #require(broker.subscribe(to: [.server], lastEventId: received.last?.id))
        #expect(!resumed.lossReported)
        #expect(await Self.drain(resumed).map(\.data) == ["m3", "m4", "m5"])
    }

    @Test("publishes to 10,000 groups keep the hub's byte budget, not 10,000 histories; a resume from before the evictions is told")
    func historyByteBudget() async throws {
        let broker = SSEBroker(historyLimit: 1000, historyByteLimit: 64 << 10, pinned: Set((0..<10_000).map { "g\($0)" }), firstId: 1)
        let payload = String(repeating: "x", count: 200)
        for index in 0..<10_000 { broker.publish(.text(payload), to: .group("g\(index)")) }
        // The newest groups' events are kept, within the budget.
        let recent = try #require(broker.subscribe(to: [.group("g9999")], lastEventId: "9999"))
        #expect(!recent.lossReported)
        #expect(await Self.drain(recent).map(\.data) == [payload])
        // A reader of an early group resuming from before its event: the event is gone, and it is told.
        let early = try #require(broker.subscribe(to: [.group("g0")], lastEventId: "0"))
        #expect(early.lossReported)
        #expect(await Self.drain(early).filter { $0.name != "loss" && $0.data == payload }.isEmpty)
    }

    @Test("a busy stream's own limit drops its oldest events and the hub's order stays bounded")
    func busyStream() async throws {
        let broker = SSEBroker(historyLimit: 3, historyByteLimit: 1 << 30, historyRecordLimit: 100, pinned: ["quiet"], firstId: 1)
        broker.publish(.text("quiet"), to: .group("quiet"))
        for index in 1...5000 { broker.publish(.text("m\(index)"), to: .server) }
        let resumed = try #require(broker.subscribe(to: [.server], lastEventId: "4998"))
        #expect(!resumed.lossReported)
        #expect(await Self.drain(resumed).map(\.data) == ["m4998", "m4999", "m5000"])
        // The quiet group's event went out with the order's oldest records: a resume says so.
        let quiet = try #require(broker.subscribe(to: [.group("quiet")], lastEventId: "0"))
        #expect(quiet.lossReported)
    }

    @Test("a hub's broker is removed once nobody read it for the retention; a reader then gets a new one")
    func idleBrokers() throws {
        let hubs = SSEHubs(historyLimit: 10, idleRetention: .seconds(300))
        let broker = hubs.broker(hub: "Chat")
        let reader = try #require(broker.subscribe(to: [.server], lastEventId: nil))
        #expect(hubs.removeIdle(now: .now + .seconds(600)) == 0, "a broker with a reader stays")
        broker.unsubscribe(reader)
        #expect(hubs.removeIdle(now: .now + .seconds(60)) == 0, "within the retention it stays")
        #expect(hubs.removeIdle(now: .now + .seconds(600)) == 1)
        #expect(hubs.count == 0)
        #expect(broker.subscribe(to: [.server], lastEventId: nil) == nil, "the retired broker takes no reader")
        #expect(hubs.broker(hub: "chat") !== broker)
    }

    @Test("a group is carried from its first reader on: earlier messages are not kept, a resume from before is told, and it is left once idle for the linger")
    func carriedOnDemand() async throws {
        let broker = SSEBroker(historyLimit: 10, groupLinger: .milliseconds(1), firstId: 1)
        #expect(broker.publish(.text("before"), to: .group("g")) == 0, "nobody asked for g: not carried, no id")
        #expect(broker.carry("g", limit: 1) == .started)
        #expect(broker.carry("g", limit: 1) == .already)
        #expect(broker.carry("h", limit: 1) == .full)
        let reader = try #require(broker.subscribe(to: [.group("g")], lastEventId: nil))
        let id = broker.publish(.text("after"), to: .group("g"))
        #expect(id == 1)
        #expect(await Self.drain(reader).map(\.data) == ["after"])
        // While a reader listens the group stays, whatever the time.
        #expect(broker.leaveLingering(now: .now + .seconds(60)).isEmpty)
        broker.unsubscribe(reader)
        #expect(broker.leaveLingering(now: .now + .seconds(1)) == ["g"])
        #expect(broker.publish(.text("gone"), to: .group("g")) == 0)
        // Carried again: a resume from before that point is told events may be missing.
        #expect(broker.carry("g", limit: 1) == .started)
        _ = broker.publish(.text("again"), to: .group("g"))
        let resumed = try #require(broker.subscribe(to: [.group("g")], lastEventId: "0"))
        #expect(resumed.lossReported)
    }
}
