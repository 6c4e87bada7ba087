import ArgumentParser
import PubSubClient

extension RESTClient.Permission: ExpressibleByArgument {}

struct PermissionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "permission",
        abstract: "Grant, revoke and check a connection's sendToGroup and joinLeaveGroup permissions.",
        discussion: """
            Without --group a permission is for every group.

            Examples:
              pubsub permission grant sendToGroup "$CONNECTION_ID" --group orders --hub shop
              pubsub permission check sendToGroup "$CONNECTION_ID" --group orders --hub shop && echo allowed
              pubsub permission revoke joinLeaveGroup "$CONNECTION_ID" --hub shop
            """,
        subcommands: [PermissionGrantCommand.self, PermissionRevokeCommand.self, PermissionCheckCommand.self]
    )
}

/// What the three permission verbs take.
struct PermissionArguments: ParsableArguments {
    @Argument(help: "sendToGroup or joinLeaveGroup.")
    var permission: RESTClient.Permission

    @Argument(help: ArgumentHelp("The connection id.", valueName: "connection-id"))
    var connection: String

    @Option(help: ArgumentHelp("For this group only (default: every group).", valueName: "group"))
    var group: String?

    func validate() throws {
        if let group { try ManagedNames.checkGroups([group], option: "--group") }
    }
}
