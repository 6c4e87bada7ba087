/// Where a top-level member's value lies in the bytes of a JSON object: a client's JSON `data` is
/// passed on exactly as the client wrote it (key order, number forms, spacing), the same bytes a
/// REST publisher's body keeps (protocol reference §5.2: "published as is").
///
/// Run on frames the JSON parser has already accepted; on anything else it returns nil or some
/// range, never traps, and walks the bytes once without recursion.
public enum JSONSpan {
    /// The range of the value of the member `name` of the top-level object, or nil when the bytes
    /// are not an object, the member is absent or appears more than once, or a key is written with
    /// escapes (then it cannot be told for sure which member a parser took; callers re-encode the
    /// parsed value instead).
    public static func member(_ name: String, in bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        let key = Array(name.utf8)
        var index = skipSpace(bytes, 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var found: Range<Int>?
        while true {
            index = skipSpace(bytes, index)
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "}") { return found }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "\""), let keyEnd = stringEnd(bytes, index) else { return nil }
            let keyBytes = UnsafeRawBufferPointer(rebasing: bytes[(index + 1)..<(keyEnd - 1)])
            if keyBytes.contains(UInt8(ascii: "\\")) { return nil }
            let matches = keyBytes.elementsEqual(key)
            index = skipSpace(bytes, keyEnd)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index = skipSpace(bytes, index + 1)
            guard let valueEnd = valueEnd(bytes, index) else { return nil }
            if matches {
                guard found == nil else { return nil }
                found = index..<valueEnd
            }
            index = valueEnd
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func skipSpace(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var index = start
        while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        return index
    }

    /// The index just past the string that starts (with its quote) at `start`.
    private static func stringEnd(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return nil
    }

    /// The index just past the value that starts at `start`: a string, an object or array (nesting
    /// counted, not recursed), or a number or literal (up to the next delimiter).
    private static func valueEnd(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return stringEnd(bytes, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    guard let end = stringEnd(bytes, index) else { return nil }
                    index = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                index += 1
            }
            return nil
        default:
            var index = start
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || isSpace(byte) { break }
                index += 1
            }
            return index > start ? index : nil
        }
    }
}
