import ArgumentParser

struct PermissionCheckCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Whether a connection holds a permission: exit 0 if so, 1 if not.",
        discussion: """
            Example:
              pubsub permission check sendToGroup "$CONNECTION_ID" --group orders --hub shop && echo allowed
            """
    )

    @OptionGroup var arguments: PermissionArguments

    @OptionGroup var output: ExistenceFormat

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        let held = try await rest.client(quiet: global.quiet).has(arguments.permission, connectionId: arguments.connection, group: arguments.group)
        try output.answer(held)
    }
}
