import ArgumentParser
import Foundation
import Logging
import PubSubBench
import PubSubClient
import PubSubCore

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a Web PubSub service: fan-out, groups, connection storms, idle connections.",
        discussion: """
            Runs against the local service by default, or any endpoint given by its connection \
            string (Azure included). Every message carries its publish time and a sequence number: \
            latency goes into an HdrHistogram (p50, p90, p99, p99.9, max), and each subscriber \
            counts what it got, so lost and duplicated deliveries are exact (both must be 0; the \
            command exits 70 otherwise). Progress goes to stderr; the result is a table, or one \
            JSON object with --format json.

            Connections to a loopback service are spread over several 127.0.0.x source addresses \
            when one address's ephemeral ports would not suffice (--source-addresses sets it).

            Examples:
              pubsub bench fanout --subscribers 1000 --count 200
              pubsub bench fanout --subscribers 1000 --rate 20 --duration 30s
              pubsub bench groups --shape big --size 2048 --duration 20s
              pubsub bench connect --connections 5000
              pubsub bench idle --connections 19000 --hold 40s
            """,
        subcommands: [Fanout.self, Groups.self, Connect.self, Idle.self]
    )
}

/// Options every bench scenario takes.
struct BenchOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The hub to use (env: PUBSUB_HUB).", valueName: "hub"))
    var hub: String?

    @Option(help: "Result: table or json.")
    var format: BenchFormat = .table

    @Option(help: ArgumentHelp("Connections opened at once.", valueName: "n"))
    var concurrency = 100

    @Option(
        help: ArgumentHelp(
            "Spread connections over this many source addresses 127.0.0.1… (loopback services; default: one per 25,000 connections).",
            valueName: "n"
        )
    )
    var sourceAddresses: Int?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var tls: TLSOptions
    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        if hub == nil { hub = Environment.value(Environment.hub) ?? "bench" }
        do { try HubName.validate(hub ?? "") } catch { throw ValidationError("--hub: \(error.message)") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        if let sourceAddresses, !(1...254).contains(sourceAddresses) {
            throw ValidationError("--source-addresses must be from 1 to 254")
        }
    }

    /// The endpoint, with its source addresses chosen for `connections`.
    func endpoint(connections: Int) throws -> BenchEndpoint {
        try ensureFileDescriptors(connections)
        var endpoint = BenchEndpoint(connectionString: try connection.resolve(quiet: global.quiet), hub: hub ?? "bench")
        endpoint.trust = try tls.trust()
        if endpoint.isLoopback {
            let count = sourceAddresses ?? BenchEndpoint.sourceAddressCount(for: connections)
            if count > 1 { endpoint.sourceAddresses = BenchEndpoint.loopbackAddresses(count) }
        }
        return endpoint
    }

    /// The local service's process, when the endpoint is on this machine.
    func probe(_ endpoint: BenchEndpoint) -> ServiceProbe? {
        endpoint.isLoopback ? ServiceProbe.listening(on: endpoint.connectionString.endpoint.effectivePort) : nil
    }

    func progress() -> @Sendable (String) -> Void {
        let quiet = global.quiet
        return { line in if !quiet { Terminal.diagnostic("pubsub bench: \(line)") } }
    }

    /// Prints the report; a run that lost or duplicated deliveries exits 70.
    func finish(_ report: BenchReport) throws {
        Terminal.output(format == .json ? report.json() : report.table())
        guard report.isLossless else {
            throw PubSubError(
                .benchLostMessages,
                "deliveries went wrong: \(report.lost ?? 0) lost, \(report.duplicated ?? 0) duplicated, \(report.misrouted ?? 0) misrouted",
                hint: (report.closedByService ?? 0) > 0
                    ? "the service closed \(report.closedByService ?? 0) subscribers (too slow for it?): lower --rate or the subscriber count"
                    : nil,
                exitStatus: .serviceError
            )
        }
    }
}

enum BenchFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

extension BenchProtocol: ExpressibleByArgument {}
extension PublishVia: ExpressibleByArgument {}

/// Options of the scenarios that publish.
struct PublishOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Publishers.", valueName: "n"))
    var publishers = 1

    @Option(help: "How publishers send: rest, or websocket (a client's sendToGroup).")
    var via: PublishVia = .rest

    @Option(help: ArgumentHelp("Bytes per message (the timestamp header takes about 40).", valueName: "bytes"))
    var size = 64

    @Option(help: ArgumentHelp("Messages per second, all publishers together; default: a burst, as fast as they can.", valueName: "n"))
    var rate: Double?

    @Option(help: ArgumentHelp("Messages to publish in all (default 100 unless --duration).", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Publish for this long: 10s, 2m.", valueName: "duration"))
    var duration: String?

    @Option(name: .customLong("protocol"), help: "Subscribers speak json, reliable or simple.")
    var subscriberProtocol: BenchProtocol = .json

    mutating func validate() throws {
        guard publishers >= 1 else { throw ValidationError("--publishers must be at least 1") }
        guard (1...(1 << 20)).contains(size) else { throw ValidationError("--size must be from 1 byte to 1 MB") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        _ = try parsedDuration()
        if count == nil, duration == nil { count = 100 }
    }

    func parsedDuration() throws -> Duration? {
        try DurationOption.parse(duration, option: "--duration")
    }

    func apply(to bench: inout DeliveryBench) throws {
        bench.publishers = publishers
        bench.via = via
        bench.messageSize = size
        bench.rate = rate
        bench.count = count
        bench.duration = try parsedDuration()
        bench.subscriberProtocol = subscriberProtocol
    }
}

extension BenchCommand {
    struct Fanout: AsyncPubSubSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "N subscribers in one group (or the whole hub), publishers sending to them.",
            discussion: """
                Examples:
                  pubsub bench fanout --subscribers 1000 --count 200
                  pubsub bench fanout --subscribers 1000 --rate 20 --duration 30s --format json
                  pubsub bench fanout --subscribers 100 --via websocket --protocol reliable
                """
        )

        @Option(help: ArgumentHelp("Subscribers.", valueName: "n"))
        var subscribers = 100

        @Option(help: ArgumentHelp("The group subscribers join.", valueName: "group"))
        var group = "bench"

        @Flag(help: "Subscribers join no group; messages go to the whole hub (REST only).")
        var hubWide = false

        @OptionGroup var publish: PublishOptions
        @OptionGroup var bench: BenchOptions
        var global: GlobalOptions { bench.global }

        mutating func validate() throws {
            guard subscribers >= 1 else { throw ValidationError("--subscribers must be at least 1") }
            if hubWide, publish.via == .websocket { throw ValidationError("--hub-wide publishes over REST: clients can only send to groups") }
            if let problem = GroupName.problem(with: group) { throw ValidationError("--group: \(problem)") }
        }

        func execute() async throws {
            var scenario = DeliveryBench()
            scenario.groups = [hubWide ? nil : group]
            scenario.membersPerGroup = subscribers
            scenario.connectConcurrency = bench.concurrency
            try publish.apply(to: &scenario)
            let endpoint = try bench.endpoint(connections: subscribers + publish.publishers)
            let report = try await scenario.run(on: endpoint, logger: Logger(label: "pubsub.bench"), progress: bench.progress())
            try bench.finish(report)
        }
    }

    struct Groups: AsyncPubSubSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Many groups of M members each; publishers send to the groups in turn.",
            discussion: """
                --shape big is Azure's "big group" shape (10 groups of 1,000), --shape small its \
                "small group" shape (1,000 groups of 10); --groups and --members override.

                Examples:
                  pubsub bench groups --shape big --size 2048 --duration 20s
                  pubsub bench groups --groups 100 --members 10 --rate 1000 --duration 10s
                """
        )

        enum Shape: String, ExpressibleByArgument, CaseIterable { case big, small }

        @Option(help: "big (10 groups × 1,000 members) or small (1,000 groups × 10).")
        var shape: Shape = .big

        @Option(help: ArgumentHelp("Number of groups.", valueName: "n"))
        var groups: Int?

        @Option(help: ArgumentHelp("Members per group.", valueName: "n"))
        var members: Int?

        @OptionGroup var publish: PublishOptions
        @OptionGroup var bench: BenchOptions
        var global: GlobalOptions { bench.global }

        mutating func validate() throws {
            if let groups, groups < 1 { throw ValidationError("--groups must be at least 1") }
            if let members, members < 1 { throw ValidationError("--members must be at least 1") }
        }

        func execute() async throws {
            let (groupCount, memberCount) = (groups ?? (shape == .big ? 10 : 1000), members ?? (shape == .big ? 1000 : 10))
            var scenario = DeliveryBench()
            scenario.groups = (0..<groupCount).map { "bench-\($0)" }
            scenario.membersPerGroup = memberCount
            scenario.connectConcurrency = bench.concurrency
            try publish.apply(to: &scenario)
            let endpoint = try bench.endpoint(connections: groupCount * memberCount + publish.publishers)
            let report = try await scenario.run(on: endpoint, logger: Logger(label: "pubsub.bench"), progress: bench.progress())
            try bench.finish(report)
        }
    }

    struct Connect: AsyncPubSubSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "A connection storm: connections/s, each including the handshake and an acked join.",
            discussion: """
                Examples:
                  pubsub bench connect --connections 5000
                  pubsub bench connect --connections 2000 --concurrency 50 --no-join
                """
        )

        @Option(help: ArgumentHelp("Connections to open.", valueName: "n"))
        var connections = 1000

        @Option(name: .customLong("protocol"), help: "json, reliable or simple (a simple client joins through its token).")
        var subscriberProtocol: BenchProtocol = .json

        @Flag(help: "Open connections without joining a group.")
        var noJoin = false

        @OptionGroup var bench: BenchOptions
        var global: GlobalOptions { bench.global }

        mutating func validate() throws {
            guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        }

        func execute() async throws {
            var scenario = ConnectionBench(mode: .connect)
            scenario.connections = connections
            scenario.concurrency = bench.concurrency
            scenario.subscriberProtocol = subscriberProtocol
            scenario.group = noJoin ? nil : "bench-connect"
            let endpoint = try bench.endpoint(connections: connections)
            let report = try await scenario.run(on: endpoint, service: bench.probe(endpoint), logger: Logger(label: "pubsub.bench"), progress: bench.progress())
            try bench.finish(report)
        }
    }

    struct Idle: AsyncPubSubSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold N connections; report the local service's memory per connection and its idle CPU.",
            discussion: """
                The service's resident memory is read before the first connection and once all \
                are open; its CPU time over --hold. Both need the service on this machine (found \
                by its port); elsewhere only the connections are reported. Idle CPU is mostly \
                keepalive pings, which come in bursts (connections opened together are pinged \
                together): hold for a whole number of ping intervals (20 s for pubsub serve and \
                Azure) so that every connection is pinged equally often in the window.

                Examples:
                  pubsub bench idle --connections 19000 --hold 40s
                """
        )

        @Option(help: ArgumentHelp("Connections to hold.", valueName: "n"))
        var connections = 1000

        @Option(help: ArgumentHelp("How long to hold them while CPU is measured (a multiple of the ping interval).", valueName: "duration"))
        var hold = "40s"

        @Option(name: .customLong("protocol"), help: "json, reliable or simple.")
        var subscriberProtocol: BenchProtocol = .json

        @OptionGroup var bench: BenchOptions
        var global: GlobalOptions { bench.global }

        mutating func validate() throws {
            guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
            _ = try DurationOption.parse(hold, option: "--hold")
        }

        func execute() async throws {
            var scenario = ConnectionBench(mode: .idle)
            scenario.connections = connections
            scenario.concurrency = bench.concurrency
            scenario.subscriberProtocol = subscriberProtocol
            scenario.hold = try DurationOption.parse(hold, option: "--hold")
            let endpoint = try bench.endpoint(connections: connections)
            let service = bench.probe(endpoint)
            if service == nil, !bench.global.quiet {
                Terminal.diagnostic("pubsub bench: the service is not a process on this machine: its memory and CPU are not measured")
            }
            let report = try await scenario.run(on: endpoint, service: service, logger: Logger(label: "pubsub.bench"), progress: bench.progress())
            try bench.finish(report)
        }
    }
}
