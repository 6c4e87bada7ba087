import ArgumentParser
import Foundation
import Logging
import PubSubBench
import PubSubClient
import PubSubCore

extension BenchCommand {
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
