import ArgumentParser

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Check that a user is connected; take a user out of groups.",
        discussion: """
            Examples:
              pubsub user exists alice --hub chat && echo online
              pubsub user leave alice --hub chat
              pubsub user leave alice --group orders --hub chat
            """,
        subcommands: [UserExistsCommand.self, UserLeaveCommand.self]
    )
}
