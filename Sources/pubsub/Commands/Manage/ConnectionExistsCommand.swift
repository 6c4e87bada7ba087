import ArgumentParser

struct ConnectionExistsCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "exists",
        abstract: "Whether a connection is open: exit 0 if so, 1 if not.",
        discussion: """
            Example:
              pubsub connection exists "$CONNECTION_ID" --hub chat || echo gone
            """
    )

    @Argument(help: ArgumentHelp("The connection id.", valueName: "connection-id"))
    var connection: String

    @OptionGroup var output: ExistenceFormat

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        try output.answer(try await rest.client(quiet: global.quiet).connectionExists(connection))
    }
}
