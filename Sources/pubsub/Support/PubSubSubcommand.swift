import ArgumentParser
import Logging
import PubSubCore

/// A subcommand whose failures are reported the one house way: `Error: <message>`, then
/// `Hint: <hint>`, on stderr, and the error's exit status.
protocol PubSubSubcommand: ParsableCommand {
    var global: GlobalOptions { get }
    /// The log level when neither -v nor --log-level says otherwise.
    static var defaultLogLevel: Logger.Level { get }
    func execute() throws
}

extension PubSubSubcommand {
    static var defaultLogLevel: Logger.Level { .warning }

    mutating func run() throws {
        LogSetup.bootstrap(level: global.level(default: Self.defaultLogLevel))
        do {
            try execute()
        } catch let error as PubSubError {
            throw ErrorReport.exit(for: error)
        }
    }
}

/// The async variant, for long-running commands.
protocol AsyncPubSubSubcommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    static var defaultLogLevel: Logger.Level { get }
    func execute() async throws
}

extension AsyncPubSubSubcommand {
    static var defaultLogLevel: Logger.Level { .warning }

    mutating func run() async throws {
        LogSetup.bootstrap(level: global.level(default: Self.defaultLogLevel))
        do {
            try await execute()
        } catch let error as PubSubError {
            throw ErrorReport.exit(for: error)
        }
    }
}

enum ErrorReport {
    /// Prints the error and returns the `ExitCode` to throw.
    static func exit(for error: PubSubError) -> ExitCode {
        Terminal.diagnostic("Error: \(error.message)")
        if let hint = error.hint { Terminal.diagnostic("Hint: \(hint)") }
        return ExitCode(error.exitStatus.rawValue)
    }
}

enum LogSetup {
    /// Bootstraps swift-log once for the process, to stderr.
    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
