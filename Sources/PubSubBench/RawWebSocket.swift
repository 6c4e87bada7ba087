import PubSubBenchWire
import PubSubCore

/// A WebSocket server that is not Web PubSub (an MQTT or NATS broker's WebSocket listener, a test
/// server): where to connect, the subprotocol, what each connection sends once upgraded, and how a
/// message is framed for publishing. Deliveries are found by the bench payload's marker inside
/// whatever frames arrive, so the broker's own framing needs no decoder.
public struct RawWebSocket: Sendable {
    /// `ws://host:port/path`.
    public var url: String
    /// Offered in `Sec-WebSocket-Protocol`; empty: none.
    public var subprotocols: [String] = []
    /// Frames every subscriber sends once upgraded, in order (a broker's connect and subscribe);
    /// `{group}` is the group it subscribes to.
    public var subscriberPreamble: [FrameTemplate] = []
    /// Frames every publisher sends once upgraded.
    public var publisherPreamble: [FrameTemplate] = []
    /// Bytes before and after the payload in a published frame; `{group}` is the target, `{size}`
    /// the payload's length in decimal.
    public var publishPrefix = FrameTemplate()
    public var publishSuffix = FrameTemplate()
    /// Binary frames (MQTT) rather than text.
    public var binary = false
    /// A subscriber counts as open once the server has sent it a frame (an MQTT CONNACK, NATS's
    /// INFO), not as soon as its preamble is written.
    public var awaitsFirstFrame = false

    public init(url: String) {
        self.url = url
    }

    /// A published frame's bytes: prefix, payload, suffix.
    func publishFrame(group: String, payload: String) -> [UInt8] {
        let size = payload.utf8.count
        var bytes = publishPrefix.render(group: group, size: size)
        bytes += payload.utf8
        bytes += publishSuffix.render(group: group, size: size)
        return bytes
    }
}
