/// Random identifiers.
public enum Identifiers {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// A connection id: 16 letters and digits (about 95 bits). Only alphanumerics, so an id never
    /// starts with `-` and can be passed as a command-line value (`--connection <id>`) as is.
    /// Six random bits per character, values past the alphabet drawn again (no bias); two or three
    /// draws from the system generator per id, not one per character.
    public static func connectionID() -> String {
        var generator = SystemRandomNumberGenerator()
        var id = [UInt8]()
        id.reserveCapacity(16)
        var word: UInt64 = 0
        var bits = 0
        while id.count < 16 {
            if bits < 6 {
                word = generator.next()
                bits = 64
            }
            let index = Int(word & 63)
            word >>= 6
            bits -= 6
            if index < alphabet.count { id.append(alphabet[index]) }
        }
        return String(decoding: id, as: UTF8.self)
    }

    /// An unguessable token (256 bits), base64url without padding.
    public static func secret() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for _ in 0..<4 { withUnsafeBytes(of: generator.next()) { bytes.append(contentsOf: $0) } }
        return Base64URL.encode(bytes)
    }
}
