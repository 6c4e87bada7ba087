import ArgumentParser

struct GroupAddConnectionCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "add-connection",
        abstract: "Add a connection to a group.",
        discussion: """
            Exit statuses: 0 done, 67 the connection does not exist (adding), 77 refused \
            credentials, 69 unreachable.

            Example:
              pubsub group add-connection orders "$CONNECTION_ID" --hub shop
            """
    )

    @OptionGroup var arguments: GroupConnectionArguments

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        try await rest.client(quiet: global.quiet).addConnection(arguments.connection, toGroup: arguments.group)
    }
}
