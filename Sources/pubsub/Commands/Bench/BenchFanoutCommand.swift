import ArgumentParser
import Foundation
import Logging
import PubSubBench
import PubSubClient
import PubSubCore

extension BenchCommand {
    struct Fanout: AsyncPubSubSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "N subscribers in one group (or the whole hub), publishers sending to them.",
            discussion: """
                Examples:
                  pubsub bench fanout --subscribers 1000 --count 200
                  pubsub bench fanout --subscribers 1000 --rate 20 --duration 30s --format json
                  pubsub bench fanout --subscribers 100 --via websocket --protocol reliable

                Another broker, through its WebSocket listener (mosquitto's here; scripts/bench-peers.sh \
                runs mosquitto, nats-server and pubsub serve side by side):
                  pubsub bench fanout --raw-url ws://127.0.0.1:9001/ \\
                    --subprotocol mqtt --binary \\
                    --subscriber-preamble '\\x10\\x0c\\x00\\x04MQTT\\x04\\x02\\x00\\x00\\x00\\x00' \\
                    --subscriber-preamble '\\x82\\x0a\\x00\\x01\\x00\\x05bench\\x00' \\
                    --publisher-preamble '\\x10\\x0c\\x00\\x04MQTT\\x04\\x02\\x00\\x00\\x00\\x00' \\
                    --publish-prefix '\\x30\\x47\\x00\\x05bench' --size 64 --count 200
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
            if hubWide, bench.raw.url != nil { throw ValidationError("--hub-wide needs Web PubSub's REST API: not with --raw-url") }
            if let problem = GroupName.problem(with: group) { throw ValidationError("--group: \(problem)") }
        }

        func execute() async throws {
            var scenario = DeliveryBench()
            scenario.groups = [hubWide ? nil : group]
            scenario.membersPerGroup = subscribers
            scenario.connectConcurrency = bench.concurrency
            try publish.apply(to: &scenario)
            let endpoint = try bench.endpoint(connections: subscribers + publish.publishers)
            let report = try await scenario.run(
                on: endpoint,
                logger: Logger(label: "pubsub.bench"),
                service: bench.probe(endpoint),
                progress: bench.progress()
            )
            try bench.finish(report)
        }
    }
}
