import ArgumentParser
import Foundation
import Logging
import PubSubBench
import PubSubClient
import PubSubCore

extension BenchCommand {
    struct Idle: AsyncPubSubSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold N connections; report the local service's memory per connection and its idle CPU.",
            discussion: """
                The service's resident memory is read before the first connection and once all \
                are open (per connection: the growth of its anonymous memory, RssAnon, which \
                leaves out the code pages the first connections page in); its CPU time over --hold. Both need the service on this machine (found \
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

        @Option(help: ArgumentHelp("How long to hold them while CPU is measured (a multiple of the ping interval).", valueName: "duration"), transform: DurationArgument.parse)
        var hold = DurationArgument(.seconds(40), "40s")

        @Option(name: .customLong("protocol"), help: "json, reliable or simple.")
        var subscriberProtocol: BenchProtocol = .json

        @OptionGroup var bench: BenchOptions
        var global: GlobalOptions { bench.global }

        mutating func validate() throws {
            guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        }

        func execute() async throws {
            var scenario = ConnectionBench(mode: .idle)
            scenario.connections = connections
            scenario.concurrency = bench.concurrency
            scenario.subscriberProtocol = subscriberProtocol
            scenario.hold = hold.duration
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
