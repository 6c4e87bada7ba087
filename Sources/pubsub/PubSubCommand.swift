import ArgumentParser

@main
struct PubSubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pubsub",
        abstract: "Publish/subscribe verbs for Azure Web PubSub and a local compatible service.",
        discussion: """
            Every command takes a connection string from --connection-string, \
            --connection-string-file, or the WebPubSubConnectionString environment variable. \
            With none, it uses the local development service at http://localhost:8080.

            Examples:
              pubsub serve
              pubsub token --hub chat --user alice --role webpubsub.joinLeaveGroup
              pubsub token decode "$URL" --verify
            """,
        version: PubSubVersion.current,
        subcommands: [
            ServeCommand.self, ServeSSECommand.self, SubscribeCommand.self, PublishCommand.self, SendToGroupCommand.self, GroupCommand.self,
            ConnectionCommand.self, UserCommand.self, PermissionCommand.self, HealthCommand.self, TraceCommand.self, BenchCommand.self,
            TokenCommand.self,
        ]
    )

    /// Fits NIO's event loops to the cores this process may use, then runs the command.
    static func main() async {
        EventLoops.fitToAllowedCores()
        await main(nil)
    }
}

enum PubSubVersion {
    static let current = "0.1.0"
}
