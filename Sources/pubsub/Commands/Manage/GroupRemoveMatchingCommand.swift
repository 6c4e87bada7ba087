import ArgumentParser

struct GroupRemoveMatchingCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-matching",
        abstract: "Remove the connections an OData filter selects from one or more groups.",
        discussion: """
            The filter is OData over userId, connectionId and groups (the same as publish \
            --filter); checked here before anything is sent.

            Examples:
              pubsub group remove-matching --filter "userId eq 'alice'" orders vip --hub shop
              pubsub group remove-matching --filter "'beta' in groups" beta-news --hub shop
            """
    )

    @OptionGroup var arguments: MatchingArguments

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func execute() async throws {
        try await rest.client(quiet: global.quiet).changeGroups(adding: false, groups: arguments.groups, filter: arguments.filter)
    }
}
