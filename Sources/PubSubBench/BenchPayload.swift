import NIOCore

/// The text a benchmark publishes: `~pb<publisher>.<group>.<seq>.<sentNanos>.` padded with `x` to
/// the message size. A subscriber finds it in whatever frame carries it (a JSON-protocol message, a
/// reliable one, a simple client's raw frame) by its `~pb` marker, without decoding the JSON.
public struct BenchPayload: Sendable, Equatable {
    /// Which publisher sent it.
    public var publisher: Int
    /// Index of the group it was sent to (0 when there is one target).
    public var group: Int
    /// Per publisher and group, from 0.
    public var sequence: UInt64
    /// Monotonic send time (`NIODeadline.now().uptimeNanoseconds`) of the publishing process.
    public var sentNanoseconds: UInt64

    public init(publisher: Int, group: Int, sequence: UInt64, sentNanoseconds: UInt64) {
        self.publisher = publisher
        self.group = group
        self.sequence = sequence
        self.sentNanoseconds = sentNanoseconds
    }

    /// The text, at least `size` bytes (longer only when the header alone is longer).
    public func text(size: Int) -> String {
        var text = "~pb\(publisher).\(group).\(sequence).\(sentNanoseconds)."
        let header = text.utf8.count
        if size > header { text += String(repeating: "x", count: size - header) }
        return text
    }

    /// Finds and parses the payload inside a frame's bytes; nil when the frame carries none.
    public static func find(in bytes: ByteBufferView) -> BenchPayload? {
        var index = bytes.startIndex
        let end = bytes.endIndex
        // Each "~pb" marker in turn: a group name may contain one too.
        while let tilde = bytes[index..<end].firstIndex(of: UInt8(ascii: "~")) {
            index = bytes.index(after: tilde)
            guard end - index >= 2, bytes[index] == UInt8(ascii: "p"), bytes[bytes.index(after: index)] == UInt8(ascii: "b") else { continue }
            if let payload = parse(bytes, from: index + 2) { return payload }
        }
        return nil
    }

    /// The four dot-terminated numbers after a marker.
    private static func parse(_ bytes: ByteBufferView, from start: ByteBufferView.Index) -> BenchPayload? {
        var index = start
        let end = bytes.endIndex
        var fields: [UInt64] = []
        fields.reserveCapacity(4)
        var value: UInt64 = 0
        var digits = 0
        while index < end, fields.count < 4 {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                digits += 1
            case UInt8(ascii: "."):
                guard digits > 0 else { return nil }
                fields.append(value)
                value = 0
                digits = 0
            default:
                return nil
            }
            index += 1
        }
        guard fields.count == 4, fields[0] <= UInt64(Int.max), fields[1] <= UInt64(Int.max) else { return nil }
        return BenchPayload(publisher: Int(fields[0]), group: Int(fields[1]), sequence: fields[2], sentNanoseconds: fields[3])
    }
}
