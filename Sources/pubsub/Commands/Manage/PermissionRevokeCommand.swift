import ArgumentParser

struct PermissionRevokeCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a permission from a connection.",
        discussion: """
            Example:
              pubsub permission revoke sendToGroup "$CONNECTION_ID" --group orders --hub shop
            """
    )

    @OptionGroup var arguments: PermissionArguments
    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        try await rest.client(quiet: global.quiet).revoke(arguments.permission, from: arguments.connection, group: arguments.group)
    }
}
