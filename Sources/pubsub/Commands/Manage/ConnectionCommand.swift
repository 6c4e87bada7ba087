import ArgumentParser

struct ConnectionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connection",
        abstract: "Close connections and check that one exists, over the REST API.",
        discussion: """
            Examples:
              pubsub connection close "$CONNECTION_ID" --reason "test reconnect" --hub chat
              pubsub connection exists "$CONNECTION_ID" --hub chat || echo gone
              pubsub connection close-all --hub chat --reason "deploying"
              pubsub connection close-all --group lobby --exclude "$KEEP" --hub chat
            """,
        subcommands: [ConnectionCloseCommand.self, ConnectionExistsCommand.self, ConnectionCloseAllCommand.self]
    )
}
