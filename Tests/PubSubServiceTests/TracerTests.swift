import PubSubCore
import Testing

@testable import PubSubService

@Suite("live trace recording")
struct TracerTests {
    static func publish(_ hub: String, group: String? = nil) -> TraceRecord {
        TraceRecord(.publish, hub: hub, group: group)
    }

    /// The records a subscription has waiting, without waiting for more.
    static func drain(_ subscription: Tracer.Subscription) async -> [TraceRecord] {
        subscription.queue.finish()
        var records: [TraceRecord] = []
        while let batch = await subscription.queue.takeAll() {
            for item in batch {
                if case .record(let record) = item { records.append(record) }
            }
        }
        return records
    }

    @Test("with nobody tracing a record is never built; a trace client turns recording on")
    func costsNothingUntilSomeoneTraces() async {
        let tracer = Tracer()
        var built = 0
        tracer.record {
            built += 1
            return Self.publish("chat")
        }
        #expect(built == 0)
        #expect(!tracer.isActive)
        let subscription = tracer.subscribe(Tracer.Filter())
        tracer.record {
            built += 1
            return Self.publish("chat")
        }
        #expect(built == 1)
        #expect(await Self.drain(subscription).map(\.kind) == [.publish])
    }

    @Test("recording stops once the retention after the last client has passed")
    func stopsAfterRetention() {
        let tracer = Tracer(retention: .zero)
        let subscription = tracer.subscribe(Tracer.Filter())
        tracer.unsubscribe(subscription)
        tracer.record { Self.publish("chat") }  // past the retention: this one switches recording off
        #expect(!tracer.isActive)
        var built = false
        tracer.record {
            built = true
            return Self.publish("chat")
        }
        #expect(!built)
    }

    @Test("filters: any value within a dimension, every dimension, kinds; missed records always pass")
    func filters() {
        var filter = Tracer.Filter()
        filter.hubs = ["chat"]
        filter.groups = ["a", "b"]
        #expect(filter.matches(Self.publish("chat", group: "a")))
        #expect(filter.matches(Self.publish("chat", group: "b")))
        #expect(!filter.matches(Self.publish("chat", group: "c")))
        #expect(!filter.matches(Self.publish("other", group: "a")))
        #expect(!filter.matches(Self.publish("chat")))
        var connected = TraceRecord(.connected, hub: "chat", connectionId: "c1", userId: "alice")
        connected.groups = ["x", "b"]
        #expect(filter.matches(connected))

        var users = Tracer.Filter()
        users.users = ["alice"]
        users.connections = ["c1"]
        #expect(users.matches(connected))
        #expect(!users.matches(TraceRecord(.connected, hub: "chat", connectionId: "c2", userId: "alice")))
        #expect(!users.matches(TraceRecord(.connected, hub: "chat", connectionId: "c1")))

        var kinds = Tracer.Filter()
        kinds.kinds = [.rest]
        #expect(!kinds.matches(Self.publish("chat")))
        #expect(kinds.matches(TraceRecord(.rest, hub: "chat")))
        #expect(kinds.matches(.missed(count: 1, first: 1, last: 1, reason: "x")))
        #expect(!Tracer.Filter().matches(TraceRecord(.deliver, hub: "chat")), "deliveries only when asked for")
    }

    @Test("a client that falls behind gets what fit, then one missed record that counts the rest")
    func overflowIsCounted() async throws {
        let tracer = Tracer(bufferLimit: 2)
        let subscription = tracer.subscribe(Tracer.Filter())
        for _ in 0..<5 { tracer.record { Self.publish("chat") } }
        let first = try #require(await subscription.queue.takeAll())
        #expect(first.count == 2)
        let marker = try #require(tracer.takeMissed(subscription))
        #expect(marker.kind == .missed)
        let ids = first.compactMap { item -> UInt64? in
            if case .record(let record) = item { return record.id }
            return nil
        }
        #expect(marker.json(payloadLimit: nil).contains(#""count":3,"firstId":\#(ids[1] + 1),"lastId":\#(ids[1] + 3)"#))
        #expect(tracer.takeMissed(subscription) == nil)

        // Without the writer asking, the marker goes in front of the next event that fits.
        for _ in 0..<4 { tracer.record { Self.publish("chat") } }
        _ = await subscription.queue.takeAll()
        tracer.record { Self.publish("chat") }
        let next = await Self.drain(subscription)
        #expect(next.map(\.kind) == [.missed, .publish])
        #expect(next[0].json(payloadLimit: nil).contains(#""count":2"#))
    }

    @Test("a client that resumes gets the history after its last id, filtered, or a missed record for what is gone")
    func resume() async {
        let tracer = Tracer(historyLimit: 3)
        let first = tracer.subscribe(Tracer.Filter())
        for index in 0..<5 { tracer.record { Self.publish("chat", group: index % 2 == 0 ? "even" : "odd") } }
        let ids = await Self.drain(first).map(\.id)
        #expect(ids.count == 5)

        var evenOnly = Tracer.Filter()
        evenOnly.groups = ["even"]
        let resumed = tracer.subscribe(evenOnly, lastEventId: ids[2])
        #expect(await Self.drain(resumed).map(\.id) == [ids[4]])

        let late = tracer.subscribe(Tracer.Filter(), lastEventId: ids[0])
        let records = await Self.drain(late)
        #expect(records.map(\.kind) == [.missed, .publish, .publish, .publish])
        #expect(records[0].json(payloadLimit: nil).contains(#""firstId":\#(ids[1]),"lastId":\#(ids[1])"#))

        let restarted = tracer.subscribe(Tracer.Filter(), lastEventId: ids[4] + 1_000)
        let gap = await Self.drain(restarted)
        #expect(gap.count == 1)
        #expect(gap[0].json(payloadLimit: nil).contains("earlier run of the service"))
    }

    @Test("payloads are cut at the limit on a character boundary; binary as base64")
    func payloads() {
        let text = TraceRecord.describe(.text("añb"), limit: 2)
        #expect(text == .object(["dataType": .string("text"), "data": .string("a"), "truncated": .bool(true)]))
        let binary = TraceRecord.describe(.binary(.init(bytes: [0, 1, 2, 3])), limit: 3)
        #expect(binary == .object(["dataType": .string("binary"), "data": .string("AAEC"), "truncated": .bool(true)]))
        #expect(TraceRecord.timestamp(.init(timeIntervalSince1970: 1_795_334_716.1789)) == "2026-11-22T08:05:16.178Z")
    }
}
