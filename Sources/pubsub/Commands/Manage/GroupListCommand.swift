import ArgumentParser
import PubSubCore

struct GroupListCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a group's connections (REST api-version 2024-12-01, page by page).",
        discussion: """
            Text: one connection per line, its id and, after a tab, its user. JSON: an array of \
            {"connectionId":…,"userId":…}.

            Examples:
              pubsub group list orders --hub shop
              pubsub group list orders --hub shop --top 10 --format json
            """
    )

    @Argument(help: "The group.")
    var group: String

    @Option(help: ArgumentHelp("At most this many connections.", valueName: "n"))
    var top: Int?

    @Option(help: "text or json.")
    var format: DataFormat = .text

    @OptionGroup var rest: RESTOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try ManagedNames.checkGroups([group])
        if let top, top < 1 { throw ValidationError("--top must be at least 1") }
    }

    func execute() async throws {
        let members = try await rest.client(quiet: global.quiet).connections(inGroup: group, top: top)
        switch format {
        case .text:
            for member in members { Terminal.output(member.connectionId + (member.userId.map { "\t" + $0 } ?? "")) }
        case .json:
            let items: [JSONValue] = members.map { member in
                .object(["connectionId": .string(member.connectionId), "userId": member.userId.map(JSONValue.string) ?? .null])
            }
            Terminal.output(JSONValue.array(items).compactJSONString())
        }
    }
}
