/// Sizes written the way people type them on a command line: `16MB`, `512KB`, `1GB`, or a plain
/// number of bytes. Units are binary (1KB = 1024 bytes), as in the service's documented limits.
public enum ByteSizeText {
    /// Parses a size from 1 byte to `maximum`.
    /// - Parameter option: the flag it came from, for the message (`--outbound-queue-bytes`).
    /// - Throws: ``PubSubError`` `invalidSize` (exit 64).
    public static func parse(_ text: String, option: String, maximum: Int = 1 << 40) throws(PubSubError) -> Int {
        func invalid(_ why: String) -> PubSubError {
            PubSubError(
                .invalidSize,
                "\(option) \"\(text)\" is not a size: \(why)",
                hint: "write bytes or a number with a unit: 65536, 512KB, 16MB, 1GB",
                exitStatus: .usage
            )
        }
        let trimmed = Substring(text.trimmingWhitespace())
        let digits = trimmed.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty else { throw invalid("expected a number") }
        let unitText = trimmed.dropFirst(digits.count).uppercased()
        let multiplier: Int
        switch unitText {
        case "", "B": multiplier = 1
        case "KB", "K", "KIB": multiplier = 1 << 10
        case "MB", "M", "MIB": multiplier = 1 << 20
        case "GB", "G", "GIB": multiplier = 1 << 30
        default: throw invalid("\"\(unitText)\" is not a unit (B, KB, MB, GB)")
        }
        guard let count = Int(digits) else { throw invalid("\(digits) is too large") }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: multiplier)
        guard !overflow, bytes <= maximum else { throw invalid("it is larger than the limit of \(maximum) bytes") }
        guard bytes >= 1 else { throw invalid("it must be at least 1 byte") }
        return bytes
    }
}

extension PubSubError.Code {
    public static let invalidSize = Self("invalidSize")
}
