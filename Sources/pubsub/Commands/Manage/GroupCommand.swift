import ArgumentParser

struct GroupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Manage group membership over the REST API (local service or Azure).",
        discussion: """
            Examples:
              pubsub group add-connection orders "$CONNECTION_ID" --hub shop
              pubsub group add-user orders alice --hub shop
              pubsub group add-matching --filter "userId eq 'alice'" orders vip --hub shop
              pubsub group exists orders --hub shop && echo "someone is listening"
              pubsub group list orders --hub shop --format json
            """,
        subcommands: [
            GroupAddConnectionCommand.self, GroupRemoveConnectionCommand.self, GroupAddUserCommand.self, GroupRemoveUserCommand.self,
            GroupAddMatchingCommand.self, GroupRemoveMatchingCommand.self, GroupExistsCommand.self, GroupListCommand.self,
        ]
    )
}
