import ArgumentParser
import PubSubCore
import PubSubService

/// The Server-Sent Events settings of `serve` and `serve-sse`.
struct SSEOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Events kept per stream (server-wide, each group) for Last-Event-ID resume.", valueName: "count"))
    var history = 1000

    @Option(help: ArgumentHelp("A group anyone may read over SSE without a token; repeatable.", valueName: "group"))
    var publicGroup: [String] = []

    @Option(help: ArgumentHelp("Send CORS headers for this origin (or *) on the SSE endpoints.", valueName: "origin"))
    var allowOrigin: String?

    @Option(help: ArgumentHelp("Comment line sent on an idle SSE stream this often.", valueName: "duration"), transform: DurationArgument.parse)
    var heartbeat = DurationArgument(.seconds(15), "15s")

    @Option(help: ArgumentHelp("SSE readers served at once; more are refused with 503.", valueName: "n"))
    var maxSseStreams = 10_000

    @Option(help: ArgumentHelp("Groups a hub carries for SSE readers at once (joined when a reader first asks); more are refused with 503.", valueName: "n"))
    var maxGroups = 1000

    @Option(
        help: ArgumentHelp("How long a group is still carried after its last SSE reader left, so that a reader that reconnects misses nothing.", valueName: "duration"),
        transform: DurationArgument.parse
    )
    var groupLinger = DurationArgument(.seconds(30), "30s")

    @Option(help: ArgumentHelp("Bytes of SSE history a hub keeps across its streams; the oldest events go first (e.g. 64MB).", valueName: "size"))
    var historyBytes = "64MB"

    func validate() throws {
        guard (1...1_000_000).contains(history) else { throw ValidationError("--history \(history) must be from 1 to 1000000") }
        for group in publicGroup {
            if let problem = GroupName.problem(with: group) { throw ValidationError("--public-group \"\(group)\": \(problem)") }
        }
        if let allowOrigin, allowOrigin != "*", !(allowOrigin.hasPrefix("http://") || allowOrigin.hasPrefix("https://")) {
            throw ValidationError("--allow-origin \"\(allowOrigin)\" must be * or an origin such as https://app.example.com")
        }
        _ = try heartbeatPeriod()
        _ = try historyByteLimit()
        guard (1...1_000_000).contains(maxGroups) else { throw ValidationError("--max-groups \(maxGroups) is out of range: 1 to 1000000") }
        guard (1...10_000_000).contains(maxSseStreams) else { throw ValidationError("--max-sse-streams \(maxSseStreams) is out of range: 1 to 10000000") }
    }

    func historyByteLimit() throws -> Int {
        do {
            return try ByteSizeText.parse(historyBytes, option: "--history-bytes")
        } catch {
            throw ValidationError(error.message)
        }
    }

    func heartbeatPeriod() throws -> Duration {
        let period = heartbeat.duration
        guard period >= .milliseconds(100) else { throw ValidationError("--heartbeat \(heartbeat) is too short (at least 100ms)") }
        return period
    }

    func endpointOptions() throws -> SSEEndpoint.Options {
        var options = SSEEndpoint.Options()
        options.publicGroups = Set(publicGroup)
        options.allowOrigin = allowOrigin.map { $0.hasSuffix("/") && $0 != "*" ? String($0.dropLast()) : $0 }
        options.heartbeat = try heartbeatPeriod()
        options.maxStreams = maxSseStreams
        options.maxGroups = maxGroups
        options.groupLinger = groupLinger.duration
        return options
    }
}
