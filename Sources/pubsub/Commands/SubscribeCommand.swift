import ArgumentParser
import Foundation
import Logging
import PubSubClient
import PubSubCore
import ServiceLifecycle
import Synchronization

struct SubscribeCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Receive messages from a hub and its groups over WebSocket, one line each.",
        discussion: """
            Connects as a Web PubSub client (reliable JSON by default), joins the groups, and \
            prints every message on stdout, flushed per line. Lifecycle events (connected, \
            disconnected, recovered, reconnected, rejoin failed, possible gap) go to stderr, and \
            into the output with --events (json format). A reliable connection recovers after a \
            transport drop without losing or duplicating messages; otherwise it reconnects with \
            backoff, minting a fresh token, and rejoins its groups.

            Once every group is joined it prints "pubsub: ready" on stderr and writes \
            --ready-file, so a script knows when to publish. It stops after --count messages \
            (exit 0), after --idle without a message (exit 0), or at --timeout (exit 75); \
            Ctrl-C closes cleanly (exit 0).

            --format text prints the data only (text as is with newlines written as \\n, JSON \
            compact, binary as base64); json prints NDJSON records {from, group, fromUserId, \
            dataType, data, sequenceId, receivedAt}; raw prints each frame as received.

            Examples:
              pubsub subscribe --hub chat
              pubsub subscribe --hub chat --group room1 --group room2 --format json --events
              pubsub subscribe --hub chat --group ci --count 1 --timeout 30s --ready-file /tmp/ready
              pubsub subscribe --url "$(pubsub token --hub chat -q)" --protocol json
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, raw }
    enum ProtocolChoice: String, ExpressibleByArgument, CaseIterable { case reliable, json, simple }

    @OptionGroup var client: ClientOptions

    @Option(help: ArgumentHelp("A group to join; repeatable.", valueName: "group"))
    var group: [String] = []

    @Option(name: .customLong("protocol"), help: "reliable (default), json, or simple (no subprotocol; groups from the token).")
    var protocolChoice: ProtocolChoice = .reliable

    @Option(help: "Output: text, json (NDJSON) or raw.")
    var format: Format = .text

    @Flag(help: "With --format json, add lifecycle events to the output as {\"event\": …} records.")
    var events = false

    @Option(help: ArgumentHelp("Stop after this many messages.", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Give up after this long (exit 75): 30s, 5m.", valueName: "duration"), transform: DurationArgument.parse)
    var timeout: DurationArgument?

    @Option(help: ArgumentHelp("Stop when no message arrived for this long (exit 0).", valueName: "duration"), transform: DurationArgument.parse)
    var idle: DurationArgument?

    @Option(help: ArgumentHelp("Write the connection id to this file once every group is joined.", valueName: "path"), completion: .file())
    var readyFile: String?

    @Option(help: ArgumentHelp("Ping period; silent for 3 periods means half-open, and the client reconnects.", valueName: "duration"), transform: DurationArgument.parse)
    var keepalive = DurationArgument(.seconds(20), "20s")

    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        for name in group {
            if let problem = GroupName.problem(with: name) { throw ValidationError("--group: \(problem)") }
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if events, format != .json { throw ValidationError("--events goes with --format json") }
        if protocolChoice == .simple, client.url != nil, !group.isEmpty {
            throw ValidationError("a simple client cannot join groups; with --url the token must already name them")
        }
        _ = try durations()
    }

    private func durations() throws -> (timeout: Duration?, idle: Duration?, keepalive: Duration) {
        (
            timeout?.duration,
            idle?.duration,
            keepalive.duration
        )
    }

    func execute() async throws {
        let (credential, hubName) = try client.credential(quiet: global.quiet)
        let logger = Logger(label: "pubsub.cli")
        var subscriber = Subscriber(
            hub: hubName,
            groups: group,
            credential: credential,
            protocolKind: SubscriberProtocol(rawValue: protocolChoice.rawValue) ?? .reliable,
            logger: logger
        )
        let (timeout, idle, keepalivePeriod) = try durations()
        subscriber.keepalive = keepalivePeriod
        subscriber.trust = try client.tls.trust()
        let configured = subscriber
        // Before connecting: a script waiting for the file must not wait for one that cannot come.
        let ready = try readyFile.map { path throws(PubSubError) in try ReadyFile(checking: path) }
        let printer = Printer(format: format, events: events, quiet: global.quiet, readyFile: ready, count: count)
        let activity = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

        // --idle: stop once that long passes without a message.
        var stopWhenIdle: (@Sendable () async throws -> Void)?
        if let idle {
            stopWhenIdle = { @Sendable in
                while !(await Self.waitForActivity(activity.stream, within: idle)) {}
            }
        }
        let outcome = try await runStream(timeout: timeout, stop: stopWhenIdle) {
            try await configured.run { event in
                if case .message = event { activity.continuation.yield() }
                return printer.handle(event)
            }
        }
        if let failure = printer.readyFailure { throw failure }
        if outcome == .timedOut {
            throw PubSubError(
                .timedOut,
                "--timeout \(self.timeout?.description ?? "") expired after \(printer.received) of \(count.map(String.init) ?? "any") messages",
                exitStatus: .timedOut
            )
        }
    }

    /// True when `within` passed with no activity.
    static func waitForActivity(_ activity: AsyncStream<Void>, within: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in activity { return false }
                return false
            }
            group.addTask {
                (try? await Task.sleep(for: within)) != nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? true
        }
    }
}

extension PubSubError.Code {
    static let timedOut = Self("timedOut")
}

/// Turns subscription events into output lines; decides when `--count` is reached.
final class Printer: Sendable {
    let format: SubscribeCommand.Format
    let events: Bool
    let quiet: Bool
    let readyFile: ReadyFile?
    let count: Int?
    private let receivedCount = Atomic<Int>(0)
    private let readyError = Mutex<PubSubError?>(nil)

    init(format: SubscribeCommand.Format, events: Bool, quiet: Bool, readyFile: ReadyFile?, count: Int?) {
        self.format = format
        self.events = events
        self.quiet = quiet
        self.readyFile = readyFile
        self.count = count
    }

    var received: Int { receivedCount.load(ordering: .relaxed) }

    /// Why the ready file could not be written (the subscription then stopped).
    var readyFailure: PubSubError? { readyError.withLock { $0 } }

    /// Prints an event; false when the subscription should stop.
    func handle(_ event: SubscriptionEvent) -> Bool {
        switch event {
        case .message(let message):
            Terminal.output(line(for: message))
            let total = receivedCount.add(1, ordering: .relaxed).newValue
            return count.map { total < $0 } ?? true
        case .ready(let connectionId, let groups):
            if let readyFile {
                do {
                    try readyFile.write(connectionId: connectionId)
                } catch {
                    readyError.withLock { $0 = error }
                    return false
                }
            }
            let joined = groups.isEmpty ? "no groups" : "groups " + groups.joined(separator: ", ")
            notice("ready (connection \(connectionId ?? "simple"), \(joined))", event: "ready", ["connectionId": connectionId.map(JSONValue.string) ?? .null])
        case .connected(let connectionId, let userId):
            notice("connected (connection \(connectionId ?? "simple")\(userId.map { ", user \($0)" } ?? ""))", event: "connected", ["connectionId": connectionId.map(JSONValue.string) ?? .null])
        case .disconnected(let reason):
            notice("disconnected: \(reason)", event: "disconnected", ["reason": .string(reason)])
        case .recovered(let connectionId):
            notice("recovered connection \(connectionId)", event: "recovered", ["connectionId": .string(connectionId)])
        case .reconnected(let connectionId):
            notice("reconnected as a new connection \(connectionId ?? "")", event: "reconnected", ["connectionId": connectionId.map(JSONValue.string) ?? .null])
        case .rejoinFailed(let group, let reason):
            notice("joining group \(group) failed: \(reason)", event: "rejoinFailed", ["group": .string(group), "reason": .string(reason)])
        case .possibleGap(let reason):
            notice("messages may have been missed: \(reason)", event: "possibleGap", ["reason": .string(reason)])
        }
        return true
    }

    private func notice(_ text: String, event: String, _ fields: [String: JSONValue]) {
        if !quiet { Terminal.diagnostic("pubsub: \(text)") }
        if events {
            var members: [(String, JSONValue)] = [("event", .string(event))]
            members += fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            members.append(("at", .string(Date().formatted(.iso8601))))
            Terminal.output(JSONValue.render(orderedObject: members))
        }
    }

    func line(for message: ReceivedMessage) -> String {
        switch format {
        case .text:
            switch message.data {
            case .text(let text):
                return text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
                    .replacingOccurrences(of: "\r", with: "\\r")
            case .json(let value): return value.compactJSONString()
            case .binary(let bytes), .protobuf(let bytes): return bytes.base64EncodedString()
            }
        case .raw:
            switch message.raw {
            case .text(let text): return text
            case .binary(let bytes): return Data(bytes).base64EncodedString()
            }
        case .json:
            var members: [(String, JSONValue)] = [("from", .string(message.from))]
            members.append(("group", message.group.map(JSONValue.string) ?? .null))
            members.append(("fromUserId", message.fromUserId.map(JSONValue.string) ?? .null))
            members.append(("dataType", .string(message.data.dataType.rawValue)))
            members.append(("data", message.data.wireValue))
            members.append(("sequenceId", message.sequenceId.map { .integer(Int64(bitPattern: $0)) } ?? .null))
            members.append(("receivedAt", .string(message.receivedAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))))
            return JSONValue.render(orderedObject: members)
        }
    }
}
