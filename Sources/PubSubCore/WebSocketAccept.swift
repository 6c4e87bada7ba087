import Crypto
import Foundation

/// The `Sec-WebSocket-Accept` value of an opening handshake (RFC 6455 §4.2.2): base64 of the SHA-1
/// of the client's `Sec-WebSocket-Key` and the protocol's GUID. The service answers with it and the
/// client checks it.
public enum WebSocketAccept {
    private static let guid = Array("258EAFA5-E914-47DA-95CA-C5AB0DC85B11".utf8)

    public static func value(forKey key: String) -> String {
        var hash = Insecure.SHA1()
        hash.update(data: Array(key.utf8))
        hash.update(data: guid)
        return Data(hash.finalize()).base64EncodedString()
    }
}
