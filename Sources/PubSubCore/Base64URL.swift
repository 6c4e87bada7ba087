import Foundation

/// base64url without padding (RFC 4648 §5), the encoding of every JWT segment.
package enum Base64URL {
    /// Encodes bytes as base64url without `=` padding.
    package static func encode(_ bytes: some DataProtocol) -> String {
        // Byte-wise, not with String.replacingOccurrences: tokens are encoded and decoded on every
        // connect, and the Foundation string search is far slower than the base64 itself.
        var encoded = Array(Data(bytes).base64EncodedData())
        while encoded.last == UInt8(ascii: "=") { encoded.removeLast() }
        for index in encoded.indices {
            switch encoded[index] {
            case UInt8(ascii: "+"): encoded[index] = UInt8(ascii: "-")
            case UInt8(ascii: "/"): encoded[index] = UInt8(ascii: "_")
            default: break
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// Decodes base64url, with or without padding. Returns nil for any character outside the
    /// alphabet or an impossible length.
    package static func decode(_ text: some StringProtocol) -> Data? {
        var body = Array(text.utf8)
        while body.last == UInt8(ascii: "=") { body.removeLast() }
        guard body.allSatisfy(isAlphabet), body.count % 4 != 1 else { return nil }
        for index in body.indices {
            switch body[index] {
            case UInt8(ascii: "-"): body[index] = UInt8(ascii: "+")
            case UInt8(ascii: "_"): body[index] = UInt8(ascii: "/")
            default: break
            }
        }
        body += Array(repeating: UInt8(ascii: "="), count: (4 - body.count % 4) % 4)
        return Data(base64Encoded: Data(body))
    }

    private static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
