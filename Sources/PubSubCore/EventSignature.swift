import Foundation

/// The `ce-signature` header of an event handler request (protocol reference §8.3):
/// `sha256=<hex HMAC-SHA256 of the connection id>` under each access key, joined with `,`.
public enum EventSignature {
    /// The header value for `connectionId` signed with every key in `accessKeys`, lower-case hex.
    public static func header(connectionId: String, accessKeys: [String]) -> String {
        accessKeys.map { key in
            "sha256=" + hex(HS256Key(accessKey: key).signature(for: Data(connectionId.utf8)))
        }
        .joined(separator: ",")
    }

    /// Whether any entry of a `ce-signature` header is the signature of `connectionId` under any
    /// of `accessKeys` (hex compared without regard to case, as the SDKs' validators do).
    public static func isValid(_ header: String, connectionId: String, accessKeys: [String]) -> Bool {
        let offered = Set(header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        return accessKeys.contains { offered.contains(Self.header(connectionId: connectionId, accessKeys: [$0])) }
    }

    private static func hex(_ bytes: Data) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
