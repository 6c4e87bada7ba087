import Foundation
import Histogram
import ServiceLifecycle
import Logging
import NIOCore
import PubSubBenchWire
import PubSubCore
import PubSubService
import Testing

@testable import PubSubBench

@Suite("bench: payloads, accounting, reports")
struct BenchLogicTests {
    /// The report's JSON, which must be one object.
    static func jsonObject(_ report: BenchReport) throws -> [String: JSONValue] {
        try #require(try JSONValue.parse(Array(report.json().utf8), what: "report").objectValue, "not a JSON object")
    }

    @Test("a payload is padded to its size and found in any frame that carries it")
    func payloadRoundTrip() throws {
        let payload = BenchPayload(publisher: 3, group: 7, sequence: 123_456, sentNanoseconds: 987_654_321_000)
        let text = payload.text(size: 64)
        #expect(text.utf8.count == 64)
        #expect(payload.text(size: 1).utf8.count > 1, "the header is never cut")
        let frames = [
            text,
            #"{"type":"message","from":"group","group":"g~pbx","dataType":"text","data":"\#(text)"}"#,
            #"{"sequenceId":42,"type":"message","from":"server","dataType":"text","data":"\#(text)"}"#,
        ]
        for frame in frames {
            #expect(BenchPayload.find(in: ByteBuffer(string: frame).readableBytesView) == payload, "\(frame)")
        }
        for frame in ["no marker here", "~pb1.2.3", "~pb1.2..4.", "~pb99999999999999999999999.1.1.1."] {
            #expect(BenchPayload.find(in: ByteBuffer(string: frame).readableBytesView) == nil, "\(frame)")
        }
        #expect(BenchClientHandler.sequenceId(in: ByteBuffer(string: frames[2]).readableBytesView) == 42)
        #expect(BenchClientHandler.sequenceId(in: ByteBuffer(string: frames[1]).readableBytesView) == nil)
        let ack = try #require(BenchClientHandler.ack(in: ByteBuffer(string: #"{"type":"ack","ackId":5,"success":false,"error":{"name":"Forbidden","message":"no"}}"#)))
        #expect(ack.0 == 5 && !ack.1 && ack.2 == "Forbidden: no")
        let success = try #require(BenchClientHandler.ack(in: ByteBuffer(string: #"{"type":"ack","ackId":1234,"success":true}"#)))
        #expect(success.0 == 1234 && success.1 && success.2 == nil)
        #expect(BenchClientHandler.ack(in: ByteBuffer(string: #"{"type":"message","ackId":1}"#)) == nil)
        #expect(BenchClientHandler.ack(in: ByteBuffer(string: #"{"type":"ack","ackId":x}"#)) == nil)
        // The scan finds a needle at either end, after a false start, and not past the end.
        let view = ByteBuffer(string: "aab").readableBytesView
        #expect(BenchClientHandler.find(Array("ab".utf8), in: view) == 3)
        #expect(BenchClientHandler.find(Array("aa".utf8), in: view) == 2)
        #expect(BenchClientHandler.find(Array("bb".utf8), in: view) == nil)
        #expect(BenchClientHandler.find(Array("aabb".utf8), in: view) == nil)
    }

    @Test("the ledger counts every sequence once, duplicates apart, and what never came")
    func ledger() {
        var ledger = DeliveryLedger()
        var firsts: [Bool] = []
        for sequence: UInt64 in [0, 1, 2, 64, 65, 200] { firsts.append(ledger.record(publisher: 0, sequence: sequence)) }
        firsts.append(ledger.record(publisher: 0, sequence: 64))
        firsts.append(ledger.record(publisher: 2, sequence: 0))
        #expect(firsts == [true, true, true, true, true, true, false, true])
        #expect(ledger.unique == 7 && ledger.duplicates == 1)
        #expect(ledger.contains(publisher: 0, sequence: 65) && !ledger.contains(publisher: 0, sequence: 66))
        // Publisher 0 sent 201 (six arrived), publisher 1 sent 3 (none), publisher 2 sent 1 (it arrived).
        #expect(ledger.missing(expected: [201, 3, 1]) == 195 + 3)
        #expect(ledger.missing(expected: [3]) == 0)
    }

    @Test("latency percentiles come from the HdrHistogram, in microseconds")
    func percentiles() {
        var histogram = Histogram<UInt64>.latency()
        for microseconds in 1...1000 { histogram.recordNanoseconds(UInt64(microseconds) * 1000) }
        let summary = LatencySummary(histogram)
        #expect(summary.count == 1000)
        #expect(summary.p50 == 500 && summary.p90 == 900 && summary.p99 == 990 && summary.max == 1000)
        #expect((999...1000).contains(summary.p999))
    }

    @Test("the table and the JSON say the same thing")
    func reports() throws {
        var report = BenchReport(scenario: "fanout", endpoint: "http://localhost:8080", hub: "bench")
        report.parameters = [("members per group", "1000")]
        report.connections = 1000
        report.published = 1000
        report.expectedDeliveries = 1_000_000
        report.delivered = 999_999
        report.lost = 1
        report.duplicated = 0
        report.seconds = 4
        report.deliveriesPerSecond = 249_999.75
        var histogram = Histogram<UInt64>.latency()
        histogram.recordNanoseconds(2_500_000)
        report.latency = LatencySummary(histogram)
        let table = report.table()
        // "label<padding>  value": labels are padded to one width, so every value starts in one column.
        let lines = table.split(separator: "\n").map(String.init)
        let column = try #require(lines.first.flatMap { $0.range(of: "fanout")?.lowerBound }).utf16Offset(in: lines[0])
        #expect(lines.allSatisfy { $0.count > column && $0.dropFirst(column - 2).hasPrefix("  ") && $0.dropFirst(column).first != " " })
        let rows = Dictionary(
            lines.map { (String($0.prefix(column)).trimmingCharacters(in: .whitespaces), String($0.dropFirst(column))) },
            uniquingKeysWith: { $1 }
        )
        #expect(rows["delivered"] == "999,999 of 1,000,000 expected")
        #expect(rows["throughput"] == "250,000 deliveries/s over 4.00 s")
        #expect(rows["members per group"] == "1000")
        #expect(table.contains("p50 2.50 ms"))
        #expect(!report.isLossless)
        let json = try Self.jsonObject(report)
        #expect(json["lost"] == .integer(1) && json["lossless"] == .bool(false) && json["delivered"] == .integer(999_999))
        #expect(json["deliveriesPerSecond"]?.int64Value == 250_000)
        #expect(json["latencyMicroseconds"]?.objectValue?["p50"] == .integer(2500))
        #expect(json["parameters"]?.objectValue?["members per group"] == .string("1000"))
        #expect(BenchReport.count(1_234_567) == "1,234,567" && BenchReport.count(12) == "12")

        var storm = BenchReport(scenario: "connect", endpoint: "http://localhost:8080", hub: "bench")
        storm.service = ServiceUsage(pid: 42, cpuMillisecondsPerConnection: 0.3456)
        storm.generatorMillisecondsPerConnection = 0.25
        #expect(storm.table().contains("0.346 ms per connection"))
        #expect(storm.table().contains("0.250 ms per connection"))
        let stormJSON = try Self.jsonObject(storm)
        #expect(stormJSON["service"]?.objectValue?["cpuMillisecondsPerConnection"] == .number(0.346))
        #expect(stormJSON["benchCPUMillisecondsPerConnection"] == .number(0.25))

        var idle = BenchReport(scenario: "idle", endpoint: "http://localhost:8080", hub: "bench")
        idle.seconds = 40.2
        idle.service = ServiceUsage(pid: 42, cpuPercent: 2.126, cpuSeconds: 40)
        idle.generatorCPUPercent = 1.504
        #expect(idle.table().contains("2.13% of one core over 40 s"))
        #expect(idle.table().contains("1.50% of one core over 40 s"))
        let idleJSON = try Self.jsonObject(idle)
        #expect(idleJSON["benchCPUPercent"] == .number(1.5))
    }

    @Test("connections to a loopback service spread over one source address per 25,000")
    func sourceAddresses() {
        #expect(BenchEndpoint.sourceAddressCount(for: 19_000) == 1)
        #expect(BenchEndpoint.sourceAddressCount(for: 60_000) == 3)
        #expect(BenchEndpoint.loopbackAddresses(3) == ["127.0.0.1", "127.0.0.2", "127.0.0.3"])
    }
}

@Suite("bench: short runs against the live service")
struct BenchLiveTests {
    /// Runs `body` with the service on an ephemeral loopback port, as `pubsub serve` runs it, and a
    /// bench endpoint for it; then shuts the service down gracefully.
    static func withService(_ body: @escaping @Sendable (BenchEndpoint, Int) async throws -> Void) async throws {
        var logger = Logger(label: "pubsub.hub.test")
        logger.logLevel = .warning
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let service = buildHubService(configuration: ServiceConfiguration(port: 0), logger: logger) { port in listening.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let connection = ConnectionString(
                endpoint: ServiceEndpoint(scheme: "http", host: "localhost", port: port),
                accessKey: ConnectionString.developmentAccessKey
            )
            do {
                try await body(BenchEndpoint(connectionString: connection, hub: "bench"), port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test(
        "fan-out and groups deliver everything exactly once, for each protocol and publisher kind",
        arguments: [(BenchProtocol.json, PublishVia.rest), (.reliable, .websocket), (.simple, .rest)]
    )
    func delivery(kind: BenchProtocol, via: PublishVia) async throws {
        try await Self.withService { endpoint, _ in
            var bench = DeliveryBench()
            bench.groups = ["a", "b"]
            bench.membersPerGroup = 10
            bench.publishers = 2
            bench.via = via
            bench.subscriberProtocol = kind
            bench.count = 40
            let report = try await bench.run(on: endpoint, logger: Logger(label: "bench.test")) { _ in }
            #expect(report.published == 40)
            #expect(report.expectedDeliveries == 400)  // each message reaches the 10 members of its group
            #expect(report.delivered == 400)
            #expect(report.lost == 0 && report.duplicated == 0 && report.misrouted == 0)
            #expect(report.latency?.count == 400)
            #expect(report.isLossless)
        }
    }

    @Test("hub-wide fan-out at a fixed rate reaches every subscriber")
    func hubWideAtRate() async throws {
        try await Self.withService { endpoint, _ in
            var bench = DeliveryBench()
            bench.groups = [nil]
            bench.membersPerGroup = 5
            bench.rate = 200
            bench.count = 20
            let report = try await bench.run(on: endpoint, logger: Logger(label: "bench.test")) { _ in }
            #expect(report.delivered == 100 && report.lost == 0 && report.duplicated == 0)
        }
    }

    @Test("messages the service never delivers are counted as lost")
    func lossIsCounted() async throws {
        try await Self.withService { endpoint, port in
            var bench = DeliveryBench()
            bench.groups = ["a"]
            bench.membersPerGroup = 3
            bench.count = 10
            bench.drainTimeout = .milliseconds(300)
            // The messages go to another hub than the subscribers': none arrives.
            guard case .webPubSub(let connectionString, _) = endpoint.service else { return }
            let elsewhere = BenchEndpoint(connectionString: connectionString, hub: "other")
            let report = try await bench.run(on: endpoint, logger: Logger(label: "bench.test"), publishingTo: elsewhere) { _ in }
            #expect(report.published == 10 && report.delivered == 0 && report.lost == 30)
            #expect(!report.isLossless)
        }
    }

    @Test("a connection storm and idle connections are counted; the local service is found by its port")
    func connections() async throws {
        try await Self.withService { endpoint, port in
            let probe = try #require(ServiceProbe.listening(on: port))
            #expect(probe.pid == getpid())
            var storm = ConnectionBench(mode: .connect)
            storm.connections = 50
            storm.concurrency = 10
            let report = try await storm.run(on: endpoint, service: probe, logger: Logger(label: "bench.test")) { _ in }
            #expect(report.connections == 50 && (report.connectionsPerSecond ?? 0) > 0 && report.latency?.count == 50)
            // The service here is this process: /proc counts its CPU in 10 ms ticks, getrusage finer.
            #expect((report.service?.cpuMillisecondsPerConnection ?? -1) >= 0)
            #expect((report.generatorMillisecondsPerConnection ?? 0) > 0)
            #expect(report.table().contains("bench CPU") && report.json().contains("benchCPUMillisecondsPerConnection"))

            var idle = ConnectionBench(mode: .idle)
            idle.connections = 20
            idle.hold = .milliseconds(200)
            let held = try await idle.run(on: endpoint, service: probe, logger: Logger(label: "bench.test")) { _ in }
            #expect(held.connections == 20)
            let usage = try #require(held.service)
            #expect((usage.rssAfterBytes ?? 0) > 0 && usage.bytesPerConnection != nil && usage.cpuPercent != nil)
            #expect((held.generatorCPUPercent ?? -1) >= 0)
            #expect(held.table().contains("bench CPU") && held.json().contains("benchCPUPercent"))
        }
    }
}
