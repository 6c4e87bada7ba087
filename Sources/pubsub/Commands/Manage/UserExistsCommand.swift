import ArgumentParser

struct UserExistsCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "exists",
        abstract: "Whether a user has a connection open: exit 0 if so, 1 if not.",
        discussion: """
            Example:
              pubsub user exists alice --hub chat && echo online
            """
    )

    @Argument(help: ArgumentHelp("The user id.", valueName: "user-id"))
    var user: String

    @OptionGroup var output: ExistenceFormat

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        try output.answer(try await rest.client(quiet: global.quiet).userExists(user))
    }
}
