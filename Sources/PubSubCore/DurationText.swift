/// Durations written the way people type them on a command line: `90s`, `60m`, `2h`, `1d`,
/// `1h30m`, `500ms`. A bare number is refused because `30` could mean seconds or minutes.
public enum DurationText {
    /// The longest duration accepted: 100 years. Nothing on a command line needs more, and every
    /// accepted duration converts to NIO's `TimeAmount` (nanoseconds in 64 bits, 292 years)
    /// and adds to a Unix time without overflow.
    public static let maximum = Duration.seconds(100 * 365 * 86_400)

    /// Parses a duration from 0 to ``maximum``.
    /// - Parameter option: the flag it came from, for the message (`--expires`); nil when the
    ///   message is shown next to the flag already (the argument parser's).
    /// - Throws: ``PubSubError`` `invalidDuration` (exit 64).
    public static func parse(_ text: String, option: String? = nil) throws(PubSubError) -> Duration {
        func invalid(_ why: String) -> PubSubError {
            PubSubError(
                .invalidDuration,
                (option.map { $0 + " " } ?? "") + "\"\(text)\" is not a duration: \(why)",
                hint: "write a number with a unit: 500ms, 90s, 60m, 2h, 1d, or a sum such as 1h30m",
                exitStatus: .usage
            )
        }
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        var rest = Substring(text.trimmingWhitespace())
        guard !rest.isEmpty else { throw invalid("it is empty") }
        var milliseconds: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty else { throw invalid("expected a number at \"\(rest)\"") }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix(while: { $0.isASCII && $0.isLetter }).lowercased()
            guard !unitText.isEmpty else { throw invalid("\"\(digits)\" has no unit") }
            guard let unit = units.first(where: { $0.0 == unitText }) else {
                throw invalid("\"\(unitText)\" is not a unit (ms, s, m, h, d)")
            }
            rest = rest.dropFirst(unitText.count)
            guard let count = Int64(digits) else { throw invalid("\(digits) is too large") }
            let (part, overflowA) = count.multipliedReportingOverflow(by: unit.1)
            let (sum, overflowB) = milliseconds.addingReportingOverflow(part)
            guard !overflowA, !overflowB, Duration.milliseconds(sum) <= maximum else {
                throw invalid("it is longer than the limit of 100 years (36500d)")
            }
            milliseconds = sum
        }
        return .milliseconds(milliseconds)
    }
}

extension Duration {
    /// The whole seconds in this duration, rounded down.
    public var wholeSeconds: Int64 { components.seconds }
}

extension PubSubError.Code {
    public static let invalidDuration = Self("invalidDuration")
}
