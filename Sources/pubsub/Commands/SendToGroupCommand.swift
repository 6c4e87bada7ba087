import AsyncAlgorithms
import ArgumentParser
import Foundation
import Logging
import PubSubClient
import PubSubCore

struct SendToGroupCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "send-to-group",
        abstract: "Publish to a group as a client, over WebSocket, waiting for each ack.",
        discussion: """
            Connects as a Web PubSub client with a token that may send to the group (minted from \
            the connection string, or --url), sends each message with sendToGroup and waits for its \
            ack before the next one. A message whose ack does not come is sent again with the same \
            ackId (a Duplicate ack counts as success); a dropped connection is reopened. The message \
            is the argument, - (all of standard input), --lines (one per line, each acked, in order) \
            or --file.

            Exit statuses: 77 Forbidden or refused token, 75 no ack after retries, 69 unreachable, \
            65 bad input (invalid JSON with --data-type json).

            Examples:
              pubsub send-to-group room1 "Hello World" --hub chat
              pubsub send-to-group room1 '{"move":"e4"}' --data-type json --no-echo --hub chess --user alice
              seq 1 100 | pubsub send-to-group counters --lines --hub chat
            """
    )

    @Argument(help: ArgumentHelp("The group to publish to.", valueName: "group"))
    var group: String

    @OptionGroup var source: MessageSourceOptions

    @OptionGroup var client: ClientOptions

    @Option(help: "How subscribers see the data: text, json (validated first) or binary.")
    var dataType: MessageDataType = .text

    @Flag(help: "Do not wait for acks (fire and forget).")
    var noAck = false

    @Flag(help: "Do not deliver the message back to this connection.")
    var noEcho = false

    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        if let problem = GroupName.problem(with: group) { throw ValidationError(problem) }
    }

    func execute() async throws {
        let (credential, hubName) = try client.credential(quiet: global.quiet)
        let logger = Logger(label: "pubsub.cli")
        var sender = GroupSender(hub: hubName, group: group, credential: credential, logger: logger)
        sender.acks = !noAck
        sender.noEcho = noEcho
        sender.trust = try client.tls.trust()

        let type = dataType
        // A channel: the source reads the next message only once the sender took the last one, so a
        // fast producer (`yes | pubsub send-to-group g --lines`) is held back, not buffered.
        let payloads = AsyncChannel<MessageData>()
        let configured = sender
        let sent = try await withThrowingTaskGroup(of: Int?.self) { tasks in
            tasks.addTask { try await configured.send(payloads) }
            tasks.addTask {
                defer { payloads.finish() }
                try await source.forEach { bytes, what in
                    await payloads.send(try MessageSourceOptions.checked(bytes, as: type, what: what))
                }
                return nil
            }
            var count = 0
            while let result = try await tasks.next() {
                if let result { count = result }
            }
            return count
        }
        logger.info("sent \(sent) message\(sent == 1 ? "" : "s") to group \(group)")
    }
}
