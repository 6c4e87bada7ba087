import ArgumentParser
import Foundation
import Logging
import PubSubBench
import PubSubClient
import PubSubCore

extension BenchCommand {
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
}
