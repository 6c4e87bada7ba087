import Foundation
import PubSubCore

/// What a bench run measured: a table for people, JSON for scripts.
public struct BenchReport: Sendable {
    public var scenario: String
    public var date = Date()
    public var endpoint: String
    public var hub: String
    /// The scenario's settings, in display order.
    public var parameters: [(String, String)] = []
    public var connections = 0
    // Deliveries (fanout, groups).
    public var published: Int?
    public var publishFailures: Int?
    public var expectedDeliveries: Int?
    public var delivered: Int?
    public var lost: Int?
    public var duplicated: Int?
    public var misrouted: Int?
    public var closedByService: Int?
    public var deliveriesPerSecond: Double?
    /// Delivery latency, or (connect) the time to connect and join.
    public var latency: LatencySummary?
    // Connections (connect).
    public var connectionsPerSecond: Double?
    // The local service (idle; others when it is found).
    public var service: ServiceUsage?
    /// Wall time of the measured phase.
    public var seconds = 0.0
    /// The load generator's own CPU time per connection opened (connect), in milliseconds: with
    /// the service on the same cores, what the two together cost bounds the connect rate.
    public var generatorMillisecondsPerConnection: Double?
    /// The load generator's own CPU over the hold (idle), in percent of one core: answering the
    /// service's pings, the same work in every run, so the service's CPU over it compares runs on
    /// a machine whose speed varies.
    public var generatorCPUPercent: Double?

    public init(scenario: String, endpoint: String, hub: String) {
        self.scenario = scenario
        self.endpoint = endpoint
        self.hub = hub
    }

    /// Whether every accepted message arrived exactly once.
    public var isLossless: Bool {
        (lost ?? 0) == 0 && (duplicated ?? 0) == 0 && (misrouted ?? 0) == 0
    }

    // MARK: Table

    public func table() -> String {
        var rows: [(String, String)] = [("scenario", scenario), ("endpoint", "\(endpoint) hub \(hub)")]
        rows += parameters
        rows.append(("connections", Self.count(connections)))
        if let published {
            var text = Self.count(published)
            if let failures = publishFailures, failures > 0 { text += " (\(Self.count(failures)) failed)" }
            rows.append(("published", text))
        }
        if let delivered, let expectedDeliveries {
            rows.append(("delivered", "\(Self.count(delivered)) of \(Self.count(expectedDeliveries)) expected"))
        }
        if let lost { rows.append(("lost", Self.count(lost))) }
        if let duplicated { rows.append(("duplicated", Self.count(duplicated))) }
        if let misrouted, misrouted > 0 { rows.append(("misrouted", Self.count(misrouted))) }
        if let closed = closedByService, closed > 0 { rows.append(("closed by the service", Self.count(closed))) }
        if let rate = deliveriesPerSecond {
            rows.append(("throughput", "\(Self.count(Int(rate.rounded()))) deliveries/s over \(String(format: "%.2f", seconds)) s"))
        }
        if let rate = connectionsPerSecond {
            rows.append(("connect rate", "\(Self.count(Int(rate.rounded()))) connections/s over \(String(format: "%.2f", seconds)) s"))
        }
        if let latency {
            let label = scenario == "connect" ? "connect+join" : "latency"
            rows.append((
                label,
                "p50 \(Self.milliseconds(latency.p50))  p90 \(Self.milliseconds(latency.p90))  p99 \(Self.milliseconds(latency.p99))  "
                    + "p99.9 \(Self.milliseconds(latency.p999))  max \(Self.milliseconds(latency.max))"
            ))
        }
        if let service {
            rows.append(("service pid", "\(service.pid)"))
            if let before = service.rssBeforeBytes, let after = service.rssAfterBytes {
                rows.append(("service memory", "\(Self.mebibytes(before)) empty → \(Self.mebibytes(after)) (RSS)"))
            }
            if let perConnection = service.bytesPerConnection {
                rows.append(("per connection", String(format: "%.2f KiB (anonymous memory: heap and stacks)", perConnection / 1024)))
            }
            if let cpu = service.cpuPercent {
                rows.append(("service CPU", String(format: "%.2f%% of one core over %.0f s", cpu, service.cpuSeconds ?? 0)))
            }
            if let cpu = service.cpuMillisecondsPerConnection {
                rows.append(("service CPU", String(format: "%.3f ms per connection", cpu)))
            }
            if let cpu = service.cpuMicrosecondsPerDelivery {
                rows.append(("service CPU", String(format: "%.2f µs per delivery", cpu)))
            }
        }
        if let cpu = generatorMillisecondsPerConnection {
            rows.append(("bench CPU", String(format: "%.3f ms per connection", cpu)))
        }
        if let cpu = generatorCPUPercent {
            rows.append(("bench CPU", String(format: "%.2f%% of one core over %.0f s", cpu, seconds.rounded())))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }

    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    static func milliseconds(_ microseconds: UInt64) -> String {
        microseconds < 10_000
            ? String(format: "%.2f ms", Double(microseconds) / 1000) : String(format: "%.1f ms", Double(microseconds) / 1000)
    }

    static func mebibytes(_ bytes: Int) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }

    // MARK: JSON

    /// One JSON object: the settings under `parameters`, latencies in microseconds.
    public func json() -> String {
        var object: [(String, JSONValue)] = [
            ("scenario", .string(scenario)),
            ("date", .string(ISO8601DateFormatter().string(from: date))),
            ("endpoint", .string(endpoint)),
            ("hub", .string(hub)),
            ("parameters", .object(Dictionary(parameters.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { $1 }))),
            ("connections", .integer(Int64(connections))),
            ("seconds", .number(seconds)),
            ("lossless", .bool(isLossless)),
        ]
        let integers: [(String, Int?)] = [
            ("published", published), ("publishFailures", publishFailures), ("expectedDeliveries", expectedDeliveries),
            ("delivered", delivered), ("lost", lost), ("duplicated", duplicated), ("misrouted", misrouted),
            ("closedByService", closedByService),
        ]
        for (key, value) in integers { if let value { object.append((key, .integer(Int64(value)))) } }
        if let deliveriesPerSecond { object.append(("deliveriesPerSecond", .number(deliveriesPerSecond.rounded()))) }
        if let connectionsPerSecond { object.append(("connectionsPerSecond", .number(connectionsPerSecond.rounded()))) }
        if let latency {
            object.append((
                "latencyMicroseconds",
                .object([
                    "count": .integer(Int64(latency.count)), "p50": .integer(Int64(latency.p50)), "p90": .integer(Int64(latency.p90)),
                    "p99": .integer(Int64(latency.p99)), "p99_9": .integer(Int64(latency.p999)), "max": .integer(Int64(latency.max)),
                    "mean": .number((latency.mean * 10).rounded() / 10),
                ])
            ))
        }
        if let service {
            var usage: [String: JSONValue] = ["pid": .integer(Int64(service.pid))]
            if let value = service.rssBeforeBytes { usage["rssBeforeBytes"] = .integer(Int64(value)) }
            if let value = service.rssAfterBytes { usage["rssAfterBytes"] = .integer(Int64(value)) }
            if let value = service.bytesPerConnection { usage["bytesPerConnection"] = .number(value.rounded()) }
            if let value = service.cpuPercent { usage["cpuPercent"] = .number((value * 100).rounded() / 100) }
            if let value = service.cpuSeconds { usage["cpuSeconds"] = .number(value) }
            if let value = service.cpuMillisecondsPerConnection { usage["cpuMillisecondsPerConnection"] = .number((value * 1000).rounded() / 1000) }
            if let value = service.cpuMicrosecondsPerDelivery { usage["cpuMicrosecondsPerDelivery"] = .number((value * 100).rounded() / 100) }
            object.append(("service", .object(usage)))
        }
        if let value = generatorMillisecondsPerConnection {
            object.append(("benchCPUMillisecondsPerConnection", .number((value * 1000).rounded() / 1000)))
        }
        if let value = generatorCPUPercent {
            object.append(("benchCPUPercent", .number((value * 100).rounded() / 100)))
        }
        return JSONValue.render(orderedObject: object)
    }
}

/// The local service's resource use during a run (read from /proc).
public struct ServiceUsage: Sendable, Equatable {
    public var pid: Int32
    public var rssBeforeBytes: Int?
    public var rssAfterBytes: Int?
    /// (after − before) / connections, of the anonymous resident memory (`RssAnon`; `VmRSS` where
    /// the kernel gives none).
    public var bytesPerConnection: Double?
    /// CPU time over wall time while measured, in percent of one core.
    public var cpuPercent: Double?
    public var cpuSeconds: Double?
    /// Service CPU time per connection opened (connect), in milliseconds.
    public var cpuMillisecondsPerConnection: Double?
    /// Service CPU time from the first publish to the last delivery, per delivery (fanout, groups),
    /// in microseconds.
    public var cpuMicrosecondsPerDelivery: Double?
}
