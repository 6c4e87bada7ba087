import ArgumentParser
import Foundation
import PubSubClient
import PubSubCore

/// Where the messages of `publish` and `send-to-group` come from: the argument, `-` (all of
/// standard input), `--lines` (one message per line of standard input) or `--file`.
struct MessageSourceOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The message; - reads all of standard input.", valueName: "message"))
    var message: String?

    @Flag(help: "Send one message per line of standard input, in order.")
    var lines = false

    @Option(help: ArgumentHelp("Send the contents of this file as one message.", valueName: "path"), completion: .file())
    var file: String?

    func validate() throws {
        let sources = [message != nil, lines, file != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError(
                sources == 0
                    ? "nothing to send: give a message, - for standard input, --lines or --file"
                    : "give only one of a message argument, --lines and --file"
            )
        }
    }

    /// Calls `body` with each message in order, with a description for error messages ("the
    /// message", "line 3"). Lines are handed over as they arrive, so `tail -f` works.
    func forEach(_ body: ([UInt8], _ what: String) async throws -> Void) async throws {
        if lines {
            var number = 0
            for await line in StandardInput.lines() {
                number += 1
                try await body(Array(line.utf8), "line \(number)")
            }
            return
        }
        let payload: [UInt8]
        if let file {
            payload = Array(try InputFile.contents(of: file, what: "the file", code: .unreadableInput, hint: "check that it exists and is readable"))
        } else if message == "-" {
            payload = Array(await StandardInput.readAll())
        } else {
            payload = Array((message ?? "").utf8)
        }
        try await body(payload, "the message")
    }

    /// Checks a payload before it is sent: JSON must parse, text must be UTF-8.
    static func checked(_ payload: [UInt8], as type: MessageDataType, what: String) throws(PubSubError) -> MessageData {
        switch type {
        case .json:
            return .json(try JSONValue.parse(payload, what: what))
        case .text:
            guard let text = String(validating: payload, as: UTF8.self) else {
                throw PubSubError(
                    .unreadableInput,
                    "\(what) is not UTF-8 text",
                    hint: "send bytes as binary (--content-type binary or --data-type binary)",
                    exitStatus: .dataError
                )
            }
            return .text(text)
        case .binary:
            return .binary(Data(payload))
        case .protobuf:
            return .protobuf(Data(payload))
        }
    }
}

// MessageDataType lives in PubSubCore, which does not depend on ArgumentParser. The command line
// offers the types a REST body and a client message share (protobuf needs the protobuf subprotocol).
extension MessageDataType: ExpressibleByArgument {
    public init?(argument: String) {
        guard let type = MessageDataType(rawValue: argument), type != .protobuf else { return nil }
        self = type
    }

    public static var allValueStrings: [String] { [text, json, binary].map(\.rawValue) }
}

extension PubSubError.Code {
    static let unreadableInput = Self("unreadableInput")
}
