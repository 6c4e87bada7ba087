import ArgumentParser

struct GroupExistsCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "exists",
        abstract: "Whether a group has any connection: exit 0 if so, 1 if not.",
        discussion: """
            Example:
              pubsub group exists orders --hub shop && echo "someone is listening"
            """
    )

    @Argument(help: "The group.")
    var group: String

    @OptionGroup var output: ExistenceFormat

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try ManagedNames.checkGroups([group])
    }

    func execute() async throws {
        try output.answer(try await rest.client(quiet: global.quiet).groupExists(group))
    }
}
