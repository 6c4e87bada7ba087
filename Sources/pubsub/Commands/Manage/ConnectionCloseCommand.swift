import ArgumentParser

struct ConnectionCloseCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Close one connection; a JSON client is told the reason in its disconnected message.",
        discussion: """
            Closing a connection that does not exist succeeds (the service answers 204 either way).

            Example:
              pubsub connection close "$CONNECTION_ID" --reason "test reconnect" --hub chat
            """
    )

    @Argument(help: ArgumentHelp("The connection id.", valueName: "connection-id"))
    var connection: String

    @Option(help: ArgumentHelp("Why, for the client.", valueName: "text"))
    var reason: String?

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        try await rest.client(quiet: global.quiet).closeConnection(connection, reason: reason)
    }
}
