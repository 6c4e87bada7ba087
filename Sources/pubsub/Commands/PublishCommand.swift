import ArgumentParser
import Foundation
import Logging
import PubSubClient
import PubSubCore

struct PublishCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish messages through the service's REST API (server-side send).",
        discussion: """
            Sends to the whole hub by default, or to --group, --user or --connection. The message \
            is the argument, - (all of standard input), --lines (one message per line of standard \
            input, in order) or --file. Retries network errors, 408, 429 and 5xx with backoff. \
            Silent on success unless -v.

            Exit statuses: 77 refused credentials (401/403), 67 not found (404), 65 other 4xx or \
            bad input (invalid JSON with --content-type json), 70 server error (5xx), 69 service \
            unreachable.

            Examples:
              pubsub publish "Hello World" --hub chat
              pubsub publish '{"price":12.5}' --hub chat --group ticker --content-type json
              tail -f app.log | pubsub publish --lines --hub logs --user ops
              pubsub publish --file image.png --content-type binary --hub chat --connection "$ID"
            """
    )

    @OptionGroup var source: MessageSourceOptions

    @OptionGroup var hubOptions: HubOptions

    @Option(help: ArgumentHelp("Send to this group instead of the whole hub.", valueName: "group"))
    var group: String?

    @Option(help: ArgumentHelp("Send to this user's connections.", valueName: "user-id"))
    var user: String?

    @Option(help: ArgumentHelp("Send to this one connection.", valueName: "connection-id"))
    var connection: String?

    @Option(help: "How the service and clients see the payload: text, json (validated first) or binary.")
    var contentType: MessageDataType = .text

    @Option(help: ArgumentHelp("A connection id that must not receive it (hub and group sends); repeatable.", valueName: "connection-id"))
    var exclude: [String] = []

    @Option(help: ArgumentHelp("An OData filter, e.g. \"userId ne 'bot'\" (not with --connection).", valueName: "expression"))
    var filter: String?

    @Option(help: ArgumentHelp("Drop the message for clients not sent it within this time: 1s to 300s.", valueName: "duration"), transform: DurationArgument.parse)
    var ttl: DurationArgument?

    @OptionGroup var connectionOptions: ConnectionOptions
    @OptionGroup var tls: TLSOptions
    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        let targets = [group != nil, user != nil, connection != nil].filter { $0 }.count
        guard targets <= 1 else { throw ValidationError("give at most one of --group, --user and --connection") }
        if !exclude.isEmpty, user != nil || connection != nil {
            throw ValidationError("--exclude only applies to hub and group sends")
        }
        if filter != nil, connection != nil { throw ValidationError("--filter does not apply to --connection sends") }
        if let group, let problem = GroupName.problem(with: group) { throw ValidationError("--group: \(problem)") }
        if let user, user.isEmpty { throw ValidationError("--user is empty") }
        if let connection, connection.isEmpty { throw ValidationError("--connection is empty") }
        if let filter {
            do { _ = try ConnectionFilter(parsing: filter) } catch { throw ValidationError(error.message) }
        }
        _ = try ttlSeconds()
    }

    private func ttlSeconds() throws -> Int? {
        guard let ttl else { return nil }
        let seconds = ttl.duration.wholeSeconds
        guard (1...300).contains(seconds) else { throw ValidationError("--ttl \"\(ttl)\" must be from 1s to 300s") }
        return Int(seconds)
    }

    private var target: SendTarget {
        if let group { return .group(group) }
        if let user { return .user(user) }
        if let connection { return .connection(connection) }
        return .hub
    }

    func execute() async throws {
        let connectionString = try connectionOptions.resolve(quiet: global.quiet)
        let logger = Logger(label: "pubsub.cli")
        var client = RESTClient(connectionString: connectionString, hub: hubOptions.name, logger: logger)
        client.trust = try tls.trust()
        let options = SendOptions(excluded: exclude, filter: filter, ttlSeconds: try ttlSeconds())
        var sent = 0
        do {
            // Each message is checked before it is sent; a whole message (the argument, -, --file)
            // is one message, so nothing is sent when it fails. Lines are a stream (`tail -f`): the
            // first bad line stops the run, and the error says how far it got.
            try await source.forEach { payload, what in
                _ = try MessageSourceOptions.checked(payload, as: contentType, what: what)
                try await client.send(payload, as: contentType, to: target, options: options)
                sent += 1
            }
        } catch let error as PubSubError where source.lines {
            let before = sent == 1 ? "1 line before it was sent" : "\(sent) lines before it were sent"
            throw PubSubError(
                error.code,
                "\(error.message) (stopped at line \(sent + 1): \(before), nothing from it on)",
                hint: error.hint,
                exitStatus: error.exitStatus
            )
        }
        logger.info("sent \(sent) message\(sent == 1 ? "" : "s") to \(target) in hub \(hubOptions.name)")
    }
}
