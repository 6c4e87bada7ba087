import Foundation
import Histogram
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PubSubClient
import PubSubBenchWire
import PubSubCore
import Synchronization

/// How publishers send.
public enum PublishVia: String, Sendable, CaseIterable, Codable {
    /// REST: `POST /api/hubs/<hub>/groups/<group>/:send` (or `/:send` to the hub).
    case rest
    /// A client's `sendToGroup` over its own WebSocket.
    case websocket
}

/// `fanout` and `groups`: subscribers in groups (or on the whole hub), publishers sending to them,
/// every delivery checked and timed.
public struct DeliveryBench: Sendable {
    /// The groups, each with its members; one `nil` group means the whole hub (REST publishes only).
    public var groups: [String?] = ["bench"]
    public var membersPerGroup = 100
    public var publishers = 1
    public var via: PublishVia = .rest
    public var subscriberProtocol: BenchProtocol = .json
    /// Bytes per message (at least the payload header, about 40 bytes).
    public var messageSize = 64
    /// Messages per second across all publishers; nil: a burst, as fast as they can.
    public var rate: Double?
    /// Messages in all, across publishers and groups; nil: until `duration` ends.
    public var count: Int?
    public var duration: Duration?
    /// Connections opened at once.
    public var connectConcurrency = 100
    /// REST requests in flight per publisher during a burst.
    public var restConcurrency = 16
    /// How long the run waits for outstanding deliveries after the last publish, once they stop
    /// coming.
    public var drainTimeout: Duration = .seconds(5)

    public init() {}

    public var subscriberCount: Int { groups.count * membersPerGroup }

    /// Runs the scenario; `progress` gets a line now and then.
    /// - Parameter publishEndpoint: where publishers connect, when not `endpoint` (another address
    ///   of the service, a proxy in front of it).
    public func run(
        on endpoint: BenchEndpoint,
        logger: Logger,
        publishingTo publishEndpoint: BenchEndpoint? = nil,
        service: ServiceProbe? = nil,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> BenchReport {
        let publishEndpoint = publishEndpoint ?? endpoint
        let counters = BenchCounters()
        let registry = LoopStatsRegistry()
        let opener = ConnectionOpener(endpoint: endpoint, counters: counters, registry: registry, concurrency: connectConcurrency) { opened in
            progress("connected \(opened) of \(subscriberCount) subscribers")
        }
        var plans: [ConnectionOpener.Plan] = []
        for (index, group) in groups.enumerated() {
            let plan = ConnectionOpener.Plan(kind: subscriberProtocol, group: group, groupIndex: group == nil ? nil : index)
            plans += Array(repeating: plan, count: membersPerGroup)
        }
        let subscribers = try await opener.open(plans)
        var publisherClients: [BenchClient] = []
        do {
            let publisherOpener = ConnectionOpener(endpoint: publishEndpoint, counters: counters, registry: registry, concurrency: publishers) { _ in }
            let plan = ConnectionOpener.Plan(kind: .json, group: nil, groupIndex: nil, publisher: true)
            let overWebSocket = via == .websocket || publishEndpoint.raw != nil
            publisherClients = overWebSocket ? try await publisherOpener.open(Array(repeating: plan, count: publishers)) : []
            if let raw = publishEndpoint.raw, let first = publisherClients.first {
                try await warmUp(subscribers.count, through: first, raw: raw, counters: counters, progress: progress)
            }
        } catch {
            await closeAll(subscribers + publisherClients)
            throw error
        }
        do {
            let report = try await measure(
                subscribers: subscribers,
                publisherClients: publisherClients,
                endpoint: endpoint,
                publishEndpoint: publishEndpoint,
                counters: counters,
                registry: registry,
                service: service,
                logger: logger,
                progress: progress
            )
            await closeAll(subscribers + publisherClients)
            return report
        } catch {
            await closeAll(subscribers + publisherClients)
            throw error
        }
    }

    /// Publishes, waits for the deliveries, and accounts for every one.
    private func measure(
        subscribers: [BenchClient],
        publisherClients: [BenchClient],
        endpoint: BenchEndpoint,
        publishEndpoint: BenchEndpoint,
        counters: BenchCounters,
        registry: LoopStatsRegistry,
        service: ServiceProbe?,
        logger: Logger,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> BenchReport {

        let sent = NIOLockedValueBox<[[UInt64]]>(Array(repeating: Array(repeating: 0, count: groups.count), count: publishers))
        // The service's CPU over publishing and delivering alone (not connecting).
        let serviceCPUBefore = service?.cpuSeconds()
        let started = NIODeadline.now()
        let deadline = duration.map { started + $0.timeAmount }
        let reporter = Task {
            var last = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let delivered = counters.delivered.load(ordering: .relaxed)
                progress("published \(counters.published.load(ordering: .relaxed)), delivered \(delivered) (\(delivered - last)/s)")
                last = delivered
            }
        }
        defer { reporter.cancel() }

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for publisher in 0..<publishers {
                let share = count.map { $0 / publishers + (publisher < $0 % publishers ? 1 : 0) }
                let client = publisherClients.isEmpty ? nil : publisherClients[publisher]
                tasks.addTask {
                    try await publish(
                        as: publisher,
                        count: share,
                        until: deadline,
                        client: client,
                        endpoint: publishEndpoint,
                        counters: counters,
                        sent: sent,
                        logger: logger
                    )
                }
            }
            try await tasks.waitForAll()
        }
        let publishedAt = NIODeadline.now()
        let perPublisher = sent.withLockedValue { $0 }
        let published = perPublisher.reduce(0) { $0 + $1.reduce(0, +) }
        let expected = (0..<groups.count).reduce(UInt64(0)) { total, group in
            total + perPublisher.reduce(0) { $0 + $1[group] } * UInt64(membersPerGroup)
        }
        // Wait for the deliveries still on their way, as long as they keep coming.
        var lastCount = -1
        var lastChange = NIODeadline.now()
        while UInt64(counters.delivered.load(ordering: .relaxed)) < expected {
            let now = counters.delivered.load(ordering: .relaxed)
            if now != lastCount {
                lastCount = now
                lastChange = NIODeadline.now()
            } else if NIODeadline.now() - lastChange > drainTimeout.timeAmount {
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let serviceCPUAfter = service?.cpuSeconds()

        var lost: UInt64 = 0
        var duplicated = 0
        var misrouted = 0
        var closedByService = 0
        for client in subscribers {
            let (ledger, wrongGroup, closeCode) = try await client.results()
            let groupIndex = try await client.channel.eventLoop.submit { client.handler.value.groupIndex }.get() ?? 0
            lost += ledger.missing(expected: perPublisher.map { $0[groupIndex] })
            duplicated += ledger.duplicates
            misrouted += wrongGroup
            if closeCode != nil { closedByService += 1 }
        }
        let (latency, lastDelivery) = try await registry.collect()
        let end = max(lastDelivery, publishedAt.uptimeNanoseconds)
        let seconds = Double(end - started.uptimeNanoseconds) / 1e9
        let delivered = latency.totalCount
        let names = endpoint.reportNames
        var report = BenchReport(scenario: groups.count == 1 ? "fanout" : "groups", endpoint: names.endpoint, hub: names.hub)
        report.parameters = [
            ("groups", groups.compactMap { $0 }.isEmpty ? "the whole hub" : "\(groups.count)"),
            ("members per group", "\(membersPerGroup)"),
            ("subscriber protocol", endpoint.raw == nil ? subscriberProtocol.rawValue : "raw WebSocket"),
            ("publishers", "\(publishers) via \(endpoint.raw == nil ? via.rawValue : "raw WebSocket")"),
            ("message size", "\(messageSize) B"),
            ("rate", rate.map { "\(Int($0)) msgs/s" } ?? "burst"),
        ]
        report.connections = subscribers.count + publisherClients.count
        report.published = Int(published)
        report.publishFailures = counters.publishFailures.load(ordering: .relaxed)
        report.expectedDeliveries = Int(expected)
        report.delivered = Int(delivered)
        report.lost = Int(lost)
        report.duplicated = duplicated
        report.misrouted = misrouted
        report.closedByService = closedByService
        report.seconds = seconds
        report.deliveriesPerSecond = seconds > 0 ? Double(delivered) / seconds : 0
        report.latency = delivered > 0 ? LatencySummary(latency) : nil
        if let service, let before = serviceCPUBefore, let after = serviceCPUAfter {
            var usage = ServiceUsage(pid: service.pid)
            if delivered > 0 { usage.cpuMicrosecondsPerDelivery = (after - before) * 1e6 / Double(delivered) }
            report.service = usage
        }
        return report
    }

    /// One publisher's loop: round-robin over the groups, at the rate or as a burst.
    private func publish(
        as publisher: Int,
        count: Int?,
        until deadline: NIODeadline?,
        client: BenchClient?,
        endpoint: BenchEndpoint,
        counters: BenchCounters,
        sent: NIOLockedValueBox<[[UInt64]]>,
        logger: Logger
    ) async throws {
        var rest: RESTClient?
        if case .webPubSub(let connectionString, let hub) = endpoint.service {
            var restClient = RESTClient(connectionString: connectionString, hub: hub, logger: logger)
            restClient.retries = 0
            restClient.trust = endpoint.trust
            rest = restClient
        }
        let restClient = rest
        let raw = endpoint.raw
        let groups = self.groups
        let size = messageSize
        var sequences = Array(repeating: UInt64(0), count: groups.count)
        var index = 0
        /// The next message: its group and its text, stamped now.
        func next() -> (group: Int, text: String)? {
            if let count, index >= count { return nil }
            if let deadline, NIODeadline.now() >= deadline { return nil }
            let group = index % groups.count
            index += 1
            let payload = BenchPayload(publisher: publisher, group: group, sequence: sequences[group], sentNanoseconds: NIODeadline.now().uptimeNanoseconds)
            sequences[group] += 1
            return (group, payload.text(size: size))
        }
        @Sendable func send(_ group: Int, _ text: String) async {
            do {
                if let raw, let client {
                    try await client.sendRaw(raw.publishFrame(group: groups[group] ?? "", payload: text), binary: raw.binary).get()
                } else if let client {
                    let name = JSONValue.string(groups[group] ?? "").compactJSONString()
                    let data = JSONValue.string(text).compactJSONString()
                    try await client.send(#"{"type":"sendToGroup","group":\#(name),"dataType":"text","data":\#(data)}"#).get()
                } else if let restClient {
                    try await restClient.send(Array(text.utf8), as: .text, to: groups[group].map(SendTarget.group) ?? .hub)
                }
                counters.published.add(1, ordering: .relaxed)
            } catch {
                counters.publishFailures.add(1, ordering: .relaxed)
                logger.debug("publish failed", metadata: ["error": "\(error)"])
            }
        }
        defer { sent.withLockedValue { $0[publisher] = sequences } }

        if let rate {
            // Ticks of 1 ms: each sends what is due by then, so the rate holds whatever the timer's grain.
            let perSecond = rate / Double(publishers)
            let start = NIODeadline.now()
            var issued = 0
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                ticking: while true {
                    let elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
                    for _ in 0..<max(0, Int(elapsed * perSecond) - issued) {
                        guard let (group, text) = next() else { break ticking }
                        issued += 1
                        if client != nil { await send(group, text) } else { tasks.addTask { await send(group, text) } }
                    }
                    if let count, index >= count { break }
                    if let deadline, NIODeadline.now() >= deadline { break }
                    try await Task.sleep(for: .milliseconds(1))
                }
                try await tasks.waitForAll()
            }
        } else if client != nil {
            while let (group, text) = next() { await send(group, text) }
        } else {
            // A REST burst keeps `restConcurrency` requests in flight.
            await withTaskGroup(of: Void.self) { tasks in
                var inFlight = 0
                while let (group, text) = next() {
                    if inFlight == restConcurrency {
                        await tasks.next()
                        inFlight -= 1
                    }
                    tasks.addTask { await send(group, text) }
                    inFlight += 1
                }
            }
        }
    }

    /// A raw server's subscriptions take effect when the server gets to them, with no ack a bench
    /// can read for every broker: a warm-up message goes to every group, again each second until
    /// every subscriber has had one (they are not counted as deliveries), or 10 s pass. Seconds
    /// apart, so that a slow broker is not buried in warm-ups before the run starts.
    private func warmUp(
        _ subscriberCount: Int,
        through client: BenchClient,
        raw: RawWebSocket,
        counters: BenchCounters,
        progress: @escaping @Sendable (String) -> Void
    ) async throws {
        let deadline = NIODeadline.now() + .seconds(10)
        let text = BenchPayload.warmUpText(size: messageSize)
        var nextRound = NIODeadline.now()
        while counters.warmedUp.load(ordering: .relaxed) < subscriberCount {
            let now = NIODeadline.now()
            guard now < deadline else {
                throw PubSubError(
                    .benchNotSubscribed,
                    "\(subscriberCount - counters.warmedUp.load(ordering: .relaxed)) of \(subscriberCount) subscribers received no warm-up message within 10 s",
                    hint: "check --subscriber-preamble, --publish-prefix and --publish-suffix: the server must route a publish to its subscribers",
                    exitStatus: .serviceError
                )
            }
            if now >= nextRound {
                for group in groups {
                    try await client.sendRaw(raw.publishFrame(group: group ?? "", payload: text), binary: raw.binary).get()
                }
                nextRound = now + .seconds(1)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        progress("all \(subscriberCount) subscribers receive")
    }
}
