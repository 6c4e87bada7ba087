import ArgumentParser
import Foundation
import Logging
import PubSubClient
import PubSubCore

struct HealthCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that the service answers (HEAD /api/health): a readiness probe for scripts and CI.",
        discussion: """
            Exit 0 when the service answers 200. Without --wait, one try: 69 when it cannot be \
            reached, 70 when it answers otherwise. With --wait, tries every quarter second until \
            it answers 200 or the time is up (then 69 or 70 for the last try).

            Examples:
              pubsub serve & pubsub health --wait 30s && pubsub publish "Hello World" --hub chat
              pubsub health --connection-string "$WebPubSubConnectionString"
            """
    )

    @Option(help: ArgumentHelp("Keep trying for this long: 30s, 2m.", valueName: "duration"), transform: DurationArgument.parse)
    var wait: DurationArgument?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var tls: TLSOptions
    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        var client = RESTClient(connectionString: try connection.resolve(quiet: global.quiet), hub: "", logger: Logger(label: "pubsub.cli"))
        client.trust = try tls.trust()
        let deadline = ContinuousClock.now + (wait?.duration ?? .zero)
        while true {
            let failure: PubSubError
            do {
                if try await client.healthy() { return }
                failure = PubSubError(
                    .serviceUnhealthy,
                    "\(client.connectionString.endpoint.url)/api/health did not answer 200",
                    hint: "the service is up but not healthy; look at its logs",
                    exitStatus: .serviceError
                )
            } catch {
                failure = error
            }
            guard ContinuousClock.now < deadline else { throw failure }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}

extension PubSubError.Code {
    static let serviceUnhealthy = Self("serviceUnhealthy")
}
