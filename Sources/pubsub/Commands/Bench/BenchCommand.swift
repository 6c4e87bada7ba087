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
