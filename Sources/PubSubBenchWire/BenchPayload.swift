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

    /// What starts a warm-up message: a raw server's run starts once every subscriber has one.
    package static let warmUpMarker = Array("~pw".utf8)

    /// A warm-up message of `size` bytes (at least its marker).
    package static func warmUpText(size: Int) -> String {
        "~pw" + String(repeating: "x", count: max(0, size - 3))
    }

    /// The text, at least `size` bytes (longer only when the header alone is longer).
    public func text(size: Int) -> String {
        var text = "~pb\(publisher).\(group).\(sequence).\(sentNanoseconds)."
        let header = text.utf8.count
        if size > header { text += String(repeating: "x", count: size - header) }
        return text
    }

    /// The longest start of a payload a reader keeps from one frame for the next (what ``scan``
    /// says the frame ended in the middle of): a marker and four numbers. A longer one is dropped.
    package static let carryLimit = 96

    /// Finds and parses the first payload inside a frame's bytes; nil when the frame carries none.
    public static func find(in bytes: ByteBufferView) -> BenchPayload? {
        var first: BenchPayload?
        _ = scan(bytes) { payload in
            first = payload
            return false
        }
        return first
    }

    /// Calls `found` with each payload in `bytes`, in order, while it returns true; returns where
    /// a payload starts that the bytes end in the middle of (its marker, or part of it), if one
    /// does: a broker that batches messages into frames (NATS) may split one across two.
    public static func scan(_ bytes: ByteBufferView, _ found: (BenchPayload) -> Bool) -> ByteBufferView.Index? {
        var index = bytes.startIndex
        let end = bytes.endIndex
        // Each "~pb" marker in turn: a group name may contain one too.
        while let tilde = bytes[index..<end].firstIndex(of: UInt8(ascii: "~")) {
            index = bytes.index(after: tilde)
            if end - index < 2 {
                // "~" or "~p" at the very end.
                if index == end || bytes[index] == UInt8(ascii: "p") { return tilde }
                continue
            }
            guard bytes[index] == UInt8(ascii: "p"), bytes[bytes.index(after: index)] == UInt8(ascii: "b") else { continue }
            switch parse(bytes, from: index + 2) {
            case .payload(let payload, let next):
                guard found(payload) else { return nil }
                index = next
            case .incomplete:
                return tilde
            case .invalid:
                continue
            }
        }
        return nil
    }

    private enum Parsed {
        case payload(BenchPayload, next: ByteBufferView.Index)
        case incomplete
        case invalid
    }

    /// The four dot-terminated numbers after a marker.
    private static func parse(_ bytes: ByteBufferView, from start: ByteBufferView.Index) -> Parsed {
        var index = start
        let end = bytes.endIndex
        var fields: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var count = 0
        var value: UInt64 = 0
        var digits = 0
        while index < end, count < 4 {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return .invalid }
                value = sum
                digits += 1
            case UInt8(ascii: "."):
                guard digits > 0 else { return .invalid }
                switch count {
                case 0: fields.0 = value
                case 1: fields.1 = value
                case 2: fields.2 = value
                default: fields.3 = value
                }
                count += 1
                value = 0
                digits = 0
            default:
                return .invalid
            }
            index += 1
        }
        guard count == 4 else { return .incomplete }
        guard fields.0 <= UInt64(Int.max), fields.1 <= UInt64(Int.max) else { return .invalid }
        return .payload(BenchPayload(publisher: Int(fields.0), group: Int(fields.1), sequence: fields.2, sentNanoseconds: fields.3), next: index)
    }
}

/// Reads payloads out of one connection's frames in order, joining a payload that a frame ends in
/// the middle of to the next frame (NATS batches deliveries into frames and may cut one in two).
/// What it carries from one frame to the next is at most ``BenchPayload/carryLimit`` bytes: a
/// longer unfinished start cannot be a payload's header and is dropped.
public struct PayloadScanner: Sendable {
    private var carry: ByteBuffer?

    public init() {}

    /// The bytes carried over from the previous frame (empty when none).
    public var carried: Int { carry?.readableBytes ?? 0 }

    /// Calls `found` with each payload the frame completes, in order, and returns the frame's bytes
    /// with the carried start in front of them (what the caller reads anything else from).
    public mutating func feed(_ frame: ByteBuffer, _ found: (BenchPayload) -> Void) -> ByteBuffer {
        var buffer = frame
        if var carried = carry {
            carry = nil
            carried.writeImmutableBuffer(frame)
            buffer = carried
        }
        let bytes = buffer.readableBytesView
        let cut = BenchPayload.scan(bytes) { payload in
            found(payload)
            return true
        }
        if let cut, bytes.endIndex - cut <= BenchPayload.carryLimit {
            carry = buffer.getSlice(at: buffer.readerIndex + (cut - bytes.startIndex), length: bytes.endIndex - cut)
        }
        return buffer
    }
}
