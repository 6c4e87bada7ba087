import ArgumentParser

struct GroupAddUserCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "add-user",
        abstract: "Add a user to a group: the connections they have and those they open later.",
        discussion: """
            Example:
              pubsub group add-user orders alice --hub shop
            """
    )

    @OptionGroup var arguments: GroupUserArguments

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        try await rest.client(quiet: global.quiet).addUser(arguments.user, toGroup: arguments.group)
    }
}
