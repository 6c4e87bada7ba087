import ArgumentParser
import Logging

/// Options every subcommand takes: verbosity and quiet mode.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Log more to stderr: -v for info, -vv for debug.")
    var verbose: Int

    @Flag(name: .shortAndLong, help: "Print no notices on stderr (errors are still printed).")
    var quiet = false

    @Option(
        help: ArgumentHelp(
            "Log level on stderr: trace, debug, info, notice, warning, error, critical (env: PUBSUB_LOG_LEVEL).",
            valueName: "level"
        )
    )
    var logLevel: String?

    mutating func validate() throws {
        if let level = logLevel ?? Environment.value(Environment.logLevel), Logger.Level(rawValue: level.lowercased()) == nil {
            throw ValidationError("log level \"\(level)\" is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// The level to log at: `--log-level` and `PUBSUB_LOG_LEVEL` win over `-v`.
    func level(default defaultLevel: Logger.Level) -> Logger.Level {
        if let text = logLevel ?? Environment.value(Environment.logLevel), let level = Logger.Level(rawValue: text.lowercased()) {
            return level
        }
        switch verbose {
        case 0: return defaultLevel
        case 1: return min(defaultLevel, .info)
        default: return .debug
        }
    }
}
