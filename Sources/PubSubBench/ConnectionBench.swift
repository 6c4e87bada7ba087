import Foundation
import Histogram
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PubSubCore
import Synchronization

/// `connect`: a storm of connections, each opened, upgraded and joined to a group (acked), as fast
/// as `concurrency` allows; `idle`: many connections held open while the service's memory and CPU
/// are read.
public struct ConnectionBench: Sendable {
    public enum Mode: String, Sendable {
        case connect
        case idle
    }

    public var mode: Mode
    public var connections = 1000
    public var concurrency = 100
    public var subscriberProtocol: BenchProtocol = .json
    /// The group each connection joins (connect); nil: none.
    public var group: String? = "bench"
    /// How long idle connections are held while the service's CPU is measured.
    public var hold: Duration = .seconds(10)

    public init(mode: Mode) {
        self.mode = mode
    }

    public func run(
        on endpoint: BenchEndpoint,
        service: ServiceProbe?,
        logger: Logger,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> BenchReport {
        let counters = BenchCounters()
        let registry = LoopStatsRegistry()
        let opener = ConnectionOpener(endpoint: endpoint, counters: counters, registry: registry, concurrency: concurrency) { opened in
            progress("connected \(opened) of \(connections)")
        }
        let plan = ConnectionOpener.Plan(kind: subscriberProtocol, group: mode == .connect ? group : nil, groupIndex: nil)
        var usage = service.map { ServiceUsage(pid: $0.pid) }
        usage?.rssBeforeBytes = service?.residentBytes()
        let anonymousBefore = service?.anonymousResidentBytes()
        let timings = NIOLockedValueBox(Histogram<UInt64>.latency())
        let serviceCPUBefore = service?.cpuSeconds()
        let ownCPUBefore = ServiceProbe.ownCPUSeconds()
        let started = NIODeadline.now()
        let clients = try await opener.open(Array(repeating: plan, count: connections), timings: timings)
        let seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        let serviceCPUAfter = service?.cpuSeconds()
        let ownCPUAfter = ServiceProbe.ownCPUSeconds()
        let names = endpoint.reportNames
        var report = BenchReport(scenario: mode.rawValue, endpoint: names.endpoint, hub: names.hub)
        report.connections = clients.count
        report.parameters = [
            ("connections", "\(connections), \(concurrency) at a time"),
            ("protocol", endpoint.raw == nil ? subscriberProtocol.rawValue : "raw WebSocket"),
        ]
        switch mode {
        case .connect:
            let join = endpoint.raw.map { $0.awaitsFirstFrame ? "preamble, then the server's first frame" : "preamble written" }
            report.parameters.append(("join", join ?? plan.group.map { "group \($0), acked" } ?? "none"))
            report.seconds = seconds
            report.connectionsPerSecond = Double(clients.count) / seconds
            report.latency = LatencySummary(timings.withLockedValue { $0 })
            // CPU time over the storm alone (not the closing after it), per connection.
            if !clients.isEmpty {
                if let before = serviceCPUBefore, let after = serviceCPUAfter {
                    usage?.cpuMillisecondsPerConnection = (after - before) * 1000 / Double(clients.count)
                }
                if let before = ownCPUBefore, let after = ownCPUAfter {
                    report.generatorMillisecondsPerConnection = (after - before) * 1000 / Double(clients.count)
                }
            }
        case .idle:
            report.parameters.append(("hold", "\(hold)"))
            // Let the service settle (allocator, lazily grown buffers), then measure.
            try await Task.sleep(for: .seconds(1))
            usage?.rssAfterBytes = service?.residentBytes()
            let anonymousAfter = service?.anonymousResidentBytes()
            let cpuBefore = service?.cpuSeconds()
            let ownCPUBefore = ServiceProbe.ownCPUSeconds()
            let holdStart = NIODeadline.now()
            progress("holding \(clients.count) connections for \(hold)")
            try await Task.sleep(for: hold)
            let held = Double((NIODeadline.now() - holdStart).nanoseconds) / 1e9
            if let cpuBefore, let cpuAfter = service?.cpuSeconds() {
                usage?.cpuPercent = (cpuAfter - cpuBefore) / held * 100
                usage?.cpuSeconds = held.rounded()
            }
            if let ownCPUBefore, let ownCPUAfter = ServiceProbe.ownCPUSeconds() {
                report.generatorCPUPercent = (ownCPUAfter - ownCPUBefore) / held * 100
            }
            // Anonymous memory: what connections hold. The whole RSS also counts the code pages
            // the first connections page in (1.5 MB of pubsub's binary), once, whatever their number.
            if let before = anonymousBefore ?? usage?.rssBeforeBytes, let after = anonymousAfter ?? usage?.rssAfterBytes, !clients.isEmpty {
                usage?.bytesPerConnection = Double(after - before) / Double(clients.count)
            }
            report.seconds = held
            report.closedByService = counters.closedByService.load(ordering: .relaxed)
        }
        report.service = usage
        await closeAll(clients)
        return report
    }
}
