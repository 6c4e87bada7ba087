import ArgumentParser
import PubSubClient

struct ConnectionCloseAllCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "close-all",
        abstract: "Close every connection of the hub, of a group (--group) or of a user (--user).",
        discussion: """
            Examples:
              pubsub connection close-all --hub chat --reason "deploying"
              pubsub connection close-all --group lobby --exclude "$KEEP" --hub chat
              pubsub connection close-all --user alice --hub chat
            """
    )

    @Option(help: ArgumentHelp("Only this group's connections.", valueName: "group"))
    var group: String?

    @Option(help: ArgumentHelp("Only this user's connections.", valueName: "user-id"))
    var user: String?

    @Option(help: ArgumentHelp("A connection to keep; repeatable.", valueName: "connection-id"))
    var exclude: [String] = []

    @Option(help: ArgumentHelp("Why, for the clients.", valueName: "text"))
    var reason: String?

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if group != nil, user != nil { throw ValidationError("give --group or --user, not both") }
        if let group { try ManagedNames.checkGroups([group], option: "--group") }
    }

    func execute() async throws {
        let scope: RESTClient.Scope = group.map { .group($0) } ?? user.map { .user($0) } ?? .hub
        try await rest.client(quiet: global.quiet).closeConnections(of: scope, excluding: exclude, reason: reason)
    }
}
