import Foundation

/// Formats Unix times for people: RFC 3339 UTC and "in 59 minutes" / "3 minutes ago".
public enum TokenTime {
    /// `2026-11-22T02:00:00Z`.
    /// A time outside years 1 to 9999 (a hostile or broken claim) is shown as its number.
    public static func iso8601(_ seconds: Int64) -> String {
        guard representable.contains(seconds) else { return "\(seconds) seconds since 1970 (outside years 1 to 9999)" }
        return Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }

    /// Unix times of 0001-01-01T00:00:00Z through 9999-12-31T23:59:59Z.
    public static let representable: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    /// How far `seconds` is from `now`, in the largest whole unit: "in 59 minutes", "3 hours ago", "now".
    public static func relative(_ seconds: Int64, now: Int64) -> String {
        let (delta, overflow) = seconds.subtractingReportingOverflow(now)
        if overflow { return seconds > now ? "in more than 292 billion years" : "more than 292 billion years ago" }
        if delta == 0 { return "now" }
        let span = describe(delta.magnitude)
        return delta > 0 ? "in \(span)" : "\(span) ago"
    }

    /// "1 second", "59 minutes", "2 days".
    public static func describe(_ seconds: UInt64) -> String {
        let units: [(UInt64, String)] = [(86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second")]
        for (size, name) in units where seconds >= size {
            let count = seconds / size
            return "\(count) \(name)\(count == 1 ? "" : "s")"
        }
        return "0 seconds"
    }
}
