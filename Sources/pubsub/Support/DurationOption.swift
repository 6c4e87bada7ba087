import ArgumentParser
import PubSubCore

/// Duration options (`--timeout 30s`, `--hold 1m`): a value that does not parse is a usage error
/// (exit 64) with the parser's specific message.
enum DurationOption {
    static func parse(_ text: String, option: String) throws(ValidationError) -> Duration {
        do {
            return try DurationText.parse(text, option: option)
        } catch {
            throw ValidationError(error.message)
        }
    }

    static func parse(_ text: String?, option: String) throws(ValidationError) -> Duration? {
        guard let text else { return nil }
        return try parse(text, option: option) as Duration
    }
}
