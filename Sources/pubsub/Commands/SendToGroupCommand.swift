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

    enum DataTypeChoice: String, ExpressibleByArgument, CaseIterable { case text, json, binary }

    @Argument(help: ArgumentHelp("The group to publish to.", valueName: "group"))
    var group: String

    @Argument(help: ArgumentHelp("The message; - reads all of standard input.", valueName: "message"))
    var message: String?

    @OptionGroup var client: ClientOptions

    @Flag(help: "Send one message per line of standard input, in order.")
    var lines = false

    @Option(help: ArgumentHelp("Send the contents of this file as one message.", valueName: "path"), completion: .file())
    var file: String?

    @Option(help: "How subscribers see the data: text, json (validated first) or binary.")
    var dataType: DataTypeChoice = .text

    @Flag(help: "Do not wait for acks (fire and forget).")
    var noAck = false

    @Flag(help: "Do not deliver the message back to this connection.")
    var noEcho = false

    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        if let problem = GroupName.problem(with: group) { throw ValidationError(problem) }
        let sources = [message != nil, lines, file != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError(
                sources == 0
                    ? "nothing to send: give a message, - for standard input, --lines or --file"
                    : "give only one of a message argument, --lines and --file"
            )
        }
    }

    func execute() async throws {
        let (credential, hubName) = try client.credential(quiet: global.quiet)
        let logger = Logger(label: "pubsub.cli")
        var sender = GroupSender(hub: hubName, group: group, credential: credential, logger: logger)
        sender.acks = !noAck
        sender.noEcho = noEcho

        let type = dataType
        let (payloads, continuation) = AsyncStream.makeStream(of: MessageData.self)
        let configured = sender
        let sent = try await withThrowingTaskGroup(of: Int?.self) { tasks in
            tasks.addTask { try await configured.send(payloads) }
            tasks.addTask {
                defer { continuation.finish() }
                if lines {
                    var number = 0
                    for await line in StandardInput.lines() {
                        number += 1
                        let data = try Self.messageData(Array(line.utf8), type: type, what: "line \(number)")
                        continuation.yield(data)
                    }
                } else {
                    let bytes: [UInt8]
                    if let file {
                        guard let contents = FileManager.default.contents(atPath: file) else {
                            throw PubSubError(.unreadableInput, "cannot read the file \"\(file)\"", exitStatus: .dataError)
                        }
                        bytes = Array(contents)
                    } else if message == "-" {
                        bytes = Array(await StandardInput.readAll())
                    } else {
                        bytes = Array((message ?? "").utf8)
                    }
                    continuation.yield(try Self.messageData(bytes, type: type, what: "the message"))
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

    static func messageData(_ bytes: [UInt8], type: DataTypeChoice, what: String) throws(PubSubError) -> MessageData {
        switch type {
        case .text:
            _ = try PublishCommand.checked(bytes, type: .text, what: what)
            return .text(String(decoding: bytes, as: UTF8.self))
        case .json:
            return .json(try JSONValue.parse(bytes, what: what))
        case .binary:
            return .binary(Data(bytes))
        }
    }
}
