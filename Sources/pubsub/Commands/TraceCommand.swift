import ArgumentParser
import Foundation
import Logging
import PubSubClient
import PubSubCore
import Synchronization

struct TraceCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Stream a live trace of everything that flows through the local service.",
        discussion: """
            Connects to the local service's trace endpoint with a token minted from the connection \
            string and prints one line per event: connections opened, refused (and why), dropped, \
            recovered and closed (code, reason, duration); joins and leaves (and refusals); client \
            requests; one record per publish with its recipient count (--deliveries adds one per \
            delivery); acks and their errors; REST calls (method, path, status, recipients, \
            latency); slow clients cut off.

            Filters are applied by the service: --hub, --group, --user, --connection and --kind \
            are repeatable; values of one filter are alternatives, different filters must all \
            match. --payload adds message bodies, cut at --max-payload bytes.

            If the stream drops, it reconnects by itself and resumes after the last event it got; \
            what the service no longer holds is reported as a "missed" record, and so is anything \
            dropped because this client read too slowly. It stops after --count events (exit 0), at \
            --timeout (exit 0, or 75 when --count was not reached), or on Ctrl-C (exit 0). Live \
            trace is a feature of `pubsub serve`: against Azure it exits 78 and says where Azure's \
            live trace is.

            Examples:
              pubsub trace
              pubsub trace --hub chat --group room1 --payload
              pubsub trace --kind connected,disconnected,refused --format json
              pubsub trace --connection "$ID" --deliveries --count 20
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }
    enum ColorChoice: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

    @Option(help: ArgumentHelp("Only events of this hub; repeatable.", valueName: "hub"))
    var hub: [String] = []

    @Option(help: ArgumentHelp("Only events about this group; repeatable.", valueName: "group"))
    var group: [String] = []

    @Option(help: ArgumentHelp("Only events about this user id; repeatable.", valueName: "user-id"))
    var user: [String] = []

    @Option(help: ArgumentHelp("Only events about this connection id; repeatable.", valueName: "connection-id"))
    var connection: [String] = []

    @Option(
        help: ArgumentHelp(
            "Only these kinds (comma-separated or repeated): \(TraceKind.allCases.filter { $0 != .missed }.map(\.rawValue).joined(separator: ", ")).",
            valueName: "kinds"
        ),
        completion: .list(TraceKind.allCases.filter { $0 != .missed }.map(\.rawValue))
    )
    var kind: [String] = []

    @Flag(help: "Add one record per delivery to each connection (kind deliver).")
    var deliveries = false

    @Flag(help: "Add message bodies to the records.")
    var payload = false

    @Option(help: ArgumentHelp("Cut bodies at this many bytes (with --payload).", valueName: "bytes"))
    var maxPayload = 256

    @Option(help: "Output: text (aligned lines) or json (NDJSON, one record per line).")
    var format: Format = .text

    @Option(help: "Colour the text output: auto (on a terminal, unless NO_COLOR is set), always or never.")
    var color: ColorChoice = .auto

    @Option(help: ArgumentHelp("Stop after this many events.", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Stop after this long: 30s, 5m (exit 75 if --count was not reached).", valueName: "duration"), transform: DurationArgument.parse)
    var timeout: DurationArgument?

    @OptionGroup var connectionOptions: ConnectionOptions
    @OptionGroup var tls: TLSOptions
    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        for name in hub {
            do { try HubName.validate(name) } catch { throw ValidationError("--hub: \(error.message)") }
        }
        for name in group {
            if let problem = GroupName.problem(with: name) { throw ValidationError("--group: \(problem)") }
        }
        _ = try kinds()
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if maxPayload < 0 { throw ValidationError("--max-payload must be 0 or more bytes") }
        if maxPayload != 256, !payload { throw ValidationError("--max-payload goes with --payload") }
        if format == .json, color == .always { throw ValidationError("--color always goes with --format text") }
        _ = try timeoutDuration()
    }

    private func kinds() throws -> [TraceKind] {
        var kinds: [TraceKind] = []
        for name in kind.flatMap({ $0.split(separator: ",") }).map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let parsed = TraceKind(rawValue: name), parsed != .missed else {
                throw ValidationError(
                    "--kind \"\(name)\" is not one of \(TraceKind.allCases.filter { $0 != .missed }.map(\.rawValue).joined(separator: ", "))"
                )
            }
            kinds.append(parsed)
        }
        if deliveries {
            if kinds.isEmpty { kinds = TraceKind.allCases.filter { $0 != .missed } } else if !kinds.contains(.deliver) { kinds.append(.deliver) }
        }
        return kinds
    }

    private func timeoutDuration() throws -> Duration? {
        timeout?.duration
    }


    func execute() async throws {
        let connectionString = try connectionOptions.resolve(quiet: global.quiet)
        var filter = TraceFilter()
        filter.hubs = hub
        filter.groups = group
        filter.users = user
        filter.connections = connection
        filter.kinds = try kinds()
        filter.payloadLimit = payload ? maxPayload : nil
        var client = TraceClient(connectionString: connectionString, filter: filter, logger: Logger(label: "pubsub.trace"))
        client.trust = try tls.trust()
        let configured = client
        let printer = TracePrinter(
            format: format,
            colored: format == .text && Self.useColor(color),
            quiet: global.quiet,
            count: count
        )
        let timeout = try timeoutDuration()

        let outcome = try await runStream(timeout: timeout) {
            try await configured.run { event in printer.handle(event) }
        }
        if outcome == .timedOut, let count, printer.printed < count {
            throw PubSubError(
                .traceTimedOut,
                "the trace timed out after \(printer.printed) of \(count) events",
                exitStatus: .timedOut
            )
        }
    }

    static func useColor(_ choice: ColorChoice) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto: return isatty(STDOUT_FILENO) == 1 && Environment.value("NO_COLOR") == nil
        }
    }
}

extension PubSubError.Code {
    static let traceTimedOut = Self("traceTimedOut")
}

/// Prints trace events, counts them, and says when the stream reconnects.
final class TracePrinter: Sendable {
    private let format: TraceCommand.Format
    private let formatter: TraceLineFormatter
    private let quiet: Bool
    private let count: Int?
    private let state = Mutex(0)

    init(format: TraceCommand.Format, colored: Bool, quiet: Bool, count: Int?) {
        self.format = format
        self.formatter = TraceLineFormatter(colored: colored)
        self.quiet = quiet
        self.count = count
    }

    /// Events printed so far (`missed` records not counted).
    var printed: Int { state.withLock { $0 } }

    /// - Returns: false once --count events were printed.
    func handle(_ event: TraceClient.Event) -> Bool {
        switch event {
        case .opened(let resumed):
            if !quiet { Terminal.diagnostic(resumed ? "pubsub: trace reconnected; resuming after the last event" : "pubsub: tracing") }
            return true
        case .reconnecting(let reason, let delay):
            if !quiet { Terminal.diagnostic("pubsub: trace stream lost (\(reason)); reconnecting in \(delay.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))") }
            return true
        case .record(_, let json):
            let record = (try? JSONValue.parse(Array(json.utf8), what: "trace record"))?.objectValue
            Terminal.output(format == .json ? json : record.map(formatter.line) ?? json)
            guard record?["kind"]?.stringValue != TraceKind.missed.rawValue else { return true }
            let printed = state.withLock { printed in
                printed += 1
                return printed
            }
            return count.map { printed < $0 } ?? true
        }
    }
}
