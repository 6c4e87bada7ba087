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
        } catch {
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
        } catch {
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

    /// What a command's `run` throws for any error: a ``PubSubError`` reported the house way; the
    /// argument parser's own exits and usage errors as they are; anything else is a failure no
    /// command expected, a bug, with a status of its own (``ExitStatus/internalFailure``) that no
    /// expected outcome shares.
    static func exit(for error: any Error) -> any Error {
        switch error {
        case let error as PubSubError:
            return exit(for: error)
        case is ExitCode, is CleanExit, is ValidationError:
            return error
        default:
            return exit(
                for: PubSubError(
                    .internalFailure,
                    "internal failure: \(error)",
                    hint: "this is a bug in pubsub: please report it with the command that led to it",
                    exitStatus: .internalFailure
                )
            )
        }
    }
}

extension PubSubError.Code {
    static let internalFailure = Self("internalFailure")
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
