import ArgumentParser

struct PermissionGrantCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Grant a connection a permission.",
        discussion: """
            Example:
              pubsub permission grant sendToGroup "$CONNECTION_ID" --group orders --hub shop
            """
    )

    @OptionGroup var arguments: PermissionArguments
    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        try await rest.client(quiet: global.quiet).grant(arguments.permission, to: arguments.connection, group: arguments.group)
    }
}
