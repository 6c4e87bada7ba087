/// Which protocol a client speaks.
public enum ClientKind: Sendable, Equatable {
    /// No (known) subprotocol: raw frames in and out (§5.6).
    case simple
    /// `json.webpubsub.azure.v1`.
    case json
    /// `json.reliable.webpubsub.azure.v1`: sequence ids, acks, recovery (§6).
    case reliable

    public static let jsonSubprotocol = "json.webpubsub.azure.v1"
    public static let reliableSubprotocol = "json.reliable.webpubsub.azure.v1"

    public var subprotocol: String? {
        switch self {
        case .simple: return nil
        case .json: return Self.jsonSubprotocol
        case .reliable: return Self.reliableSubprotocol
        }
    }
}
