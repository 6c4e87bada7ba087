import Crypto
import Foundation

/// An HMAC-SHA256 key made from an access key's UTF-8 bytes, as every Web PubSub SDK does
/// (protocol reference §2.2, §3). Works with keys of any length, unlike jwt-kit, which asserts on
/// keys shorter than 32 bytes.
public struct HS256Key: Sendable {
    /// An HMAC with the key already mixed in: each signature or verification copies it (the hash
    /// state is copy-on-write) rather than hashing the key pads again.
    private let keyed: HMAC<SHA256>

    /// Creates the key from an access key string (its UTF-8 bytes, not its base64 decoding).
    public init(accessKey: String) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: Data(accessKey.utf8)))
    }

    /// The 32-byte HMAC-SHA256 of `message`.
    public func signature(for message: some DataProtocol) -> Data {
        Data(mac(message))
    }

    /// Whether `signature` is the HMAC-SHA256 of `message`, compared in constant time.
    public func isValidSignature(_ signature: Data, for message: some DataProtocol) -> Bool {
        // `==` between a MAC and bytes compares in constant time.
        mac(message) == signature
    }

    private func mac(_ message: some DataProtocol) -> HMAC<SHA256>.MAC {
        var mac = keyed
        mac.update(data: message)
        return mac.finalize()
    }
}
