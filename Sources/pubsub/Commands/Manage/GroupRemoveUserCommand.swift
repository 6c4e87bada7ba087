import ArgumentParser

struct GroupRemoveUserCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-user",
        abstract: "Remove a user from a group (see `pubsub user leave` for every group).",
        discussion: """
            Example:
              pubsub group remove-user orders alice --hub shop
            """
    )

    @OptionGroup var arguments: GroupUserArguments

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        try await rest.client(quiet: global.quiet).removeUser(arguments.user, fromGroup: arguments.group)
    }
}
