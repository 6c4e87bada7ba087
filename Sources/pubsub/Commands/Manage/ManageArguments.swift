import ArgumentParser
import PubSubCore

/// `GROUP CONNECTION-ID`, for add-connection and remove-connection.
struct GroupConnectionArguments: ParsableArguments {
    @Argument(help: "The group.")
    var group: String

    @Argument(help: ArgumentHelp("The connection id.", valueName: "connection-id"))
    var connection: String

    func validate() throws {
        try ManagedNames.checkGroups([group])
    }
}

/// `GROUP USER-ID`, for add-user and remove-user.
struct GroupUserArguments: ParsableArguments {
    @Argument(help: "The group.")
    var group: String

    @Argument(help: ArgumentHelp("The user id (the token's sub).", valueName: "user-id"))
    var user: String

    func validate() throws {
        try ManagedNames.checkGroups([group])
    }
}

/// `--filter EXPRESSION GROUP…`, for add-matching and remove-matching; the filter is parsed here,
/// so a bad one is a usage error before anything is sent.
struct MatchingArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Which connections: an OData filter, e.g. \"userId eq 'alice'\".", valueName: "expression"))
    var filter: String

    @Argument(help: "The groups.")
    var groups: [String]

    func validate() throws {
        guard !groups.isEmpty else { throw ValidationError("name at least one group") }
        try ManagedNames.checkGroups(groups)
        do {
            _ = try ConnectionFilter(parsing: filter)
        } catch {
            throw ValidationError("--filter: \(error.message)")
        }
    }
}

/// `--format` of an existence check.
struct ExistenceFormat: ParsableArguments {
    @Option(help: "Also print the answer: text prints nothing, json prints {\"exists\":…}.")
    var format: DataFormat = .text

    /// Exit 0 when it holds, 1 when not (like `test`); with `--format json` also
    /// `{"exists":…}` on stdout.
    func answer(_ exists: Bool) throws {
        if format == .json { Terminal.output(JSONValue.render(orderedObject: [("exists", .bool(exists))])) }
        if !exists { throw ExitCode(ExitStatus.no.rawValue) }
    }
}
