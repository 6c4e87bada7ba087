/// How a client's messages are encoded on the wire, whatever its session promises.
public enum WireFormat: String, Sendable, Hashable, CaseIterable {
    /// No (known) subprotocol: a message is the frame's own bytes (§5.6).
    case simple
    /// The JSON subprotocols: `{"type":"message",…}` frames (§5).
    case json
}

/// What a client speaks, decided by the subprotocol it offered: a wire format, and whether its
/// session is reliable (sequence ids, acks and recovery, §6). The two vary apart: a new subprotocol
/// is one more entry in ``served``, with the format its frames use.
public struct ClientSubprotocol: Sendable, Hashable {
    public var format: WireFormat
    /// Sequence ids, acks, recovery (§6).
    public var isReliable: Bool

    public init(format: WireFormat, isReliable: Bool) {
        self.format = format
        self.isReliable = isReliable
    }

    /// The `Sec-WebSocket-Protocol` it answers with; nil for a simple client. (Computed, not
    /// stored: every connection keeps its protocol, two bytes.)
    public var subprotocol: String? {
        switch format {
        case .simple: return nil
        case .json: return isReliable ? Self.reliableJSONSubprotocol : Self.jsonSubprotocol
        }
    }

    public static let jsonSubprotocol = "json.webpubsub.azure.v1"
    public static let reliableJSONSubprotocol = "json.reliable.webpubsub.azure.v1"

    public static let simple = ClientSubprotocol(format: .simple, isReliable: false)
    /// `json.webpubsub.azure.v1`.
    public static let json = ClientSubprotocol(format: .json, isReliable: false)
    /// `json.reliable.webpubsub.azure.v1`.
    public static let reliableJSON = ClientSubprotocol(format: .json, isReliable: true)

    /// Every subprotocol the service speaks, the most preferred first (a client offering several
    /// gets the first here it offered): the one place a new subprotocol registers.
    public static let served: [ClientSubprotocol] = [.reliableJSON, .json]

    /// The served protocol named `subprotocol`, if any.
    public static func served(_ subprotocol: String) -> ClientSubprotocol? {
        served.first { $0.subprotocol == subprotocol }
    }

    /// The protocol for what a client offered: the most preferred one served, or simple.
    public static func choose(from offered: [String]) -> ClientSubprotocol {
        served.first { offered.contains($0.subprotocol ?? "") } ?? .simple
    }
}
