import ArgumentParser
import PubSubCore

/// The value of a duration option (`--timeout 30s`, `--hold 1m`), parsed once, when the arguments
/// are: `@Option(transform: DurationArgument.parse) var timeout: DurationArgument?`. A value that
/// does not parse is a usage error (exit 64) that names the option and says what is wrong; the help
/// shows a default as it is typed (`10s`).
struct DurationArgument: Sendable, Equatable, CustomStringConvertible {
    let duration: Duration
    /// As typed (the help's default, and messages).
    let description: String

    /// A default value; `text` must be how it would be typed.
    init(_ duration: Duration, _ text: String) {
        self.duration = duration
        description = text
    }

    static func parse(_ text: String) throws -> DurationArgument {
        do {
            return DurationArgument(try DurationText.parse(text), text)
        } catch {
            throw ValidationError(error.message + (error.hint.map { " (\($0))" } ?? ""))
        }
    }
}
