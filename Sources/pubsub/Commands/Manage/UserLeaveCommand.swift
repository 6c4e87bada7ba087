import ArgumentParser

struct UserLeaveCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "leave",
        abstract: "Remove a user from every group, or from one with --group.",
        discussion: """
            Examples:
              pubsub user leave alice --hub chat
              pubsub user leave alice --group orders --hub chat
            """
    )

    @Argument(help: ArgumentHelp("The user id.", valueName: "user-id"))
    var user: String

    @Option(help: ArgumentHelp("Only this group.", valueName: "group"))
    var group: String?

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let group { try ManagedNames.checkGroups([group], option: "--group") }
    }

    func execute() async throws {
        try await rest.client(quiet: global.quiet).removeUser(user, fromGroup: group)
    }
}
