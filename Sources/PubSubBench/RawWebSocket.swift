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

/// Bytes written as text with escapes and placeholders: `\xHH` a byte, `\r`, `\n`, `\t`, `\\`,
/// `\{` a literal brace; `{group}` and `{size}` are filled in per frame. Anything else is its
/// UTF-8 bytes.
public struct FrameTemplate: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case bytes([UInt8])
        case group
        case size
    }

    var parts: [Part] = []

    public init() {}

    /// Parses a template; an unknown escape, a bad `\x` or an unknown placeholder is an error.
    public init(_ text: String) throws(PubSubError) {
        var bytes: [UInt8] = []
        var scalars = Array(text.unicodeScalars)[...]
        func flush() {
            if !bytes.isEmpty { parts.append(.bytes(bytes)) }
            bytes = []
        }
        func failure(_ what: String) -> PubSubError {
            PubSubError(
                .benchBadTemplate,
                "\(what) in the frame template \"\(text)\"",
                hint: #"use \xHH for a byte, \r \n \t \\ \{, and the placeholders {group} and {size}"#,
                exitStatus: .usage
            )
        }
        while let scalar = scalars.popFirst() {
            switch scalar {
            case "\\":
                guard let escaped = scalars.popFirst() else { throw failure("a trailing backslash") }
                switch escaped {
                case "r": bytes.append(0x0D)
                case "n": bytes.append(0x0A)
                case "t": bytes.append(0x09)
                case "\\", "{", "}": bytes.append(UInt8(escaped.value))
                case "x":
                    guard scalars.count >= 2, let value = UInt8(String(String.UnicodeScalarView(scalars.prefix(2))), radix: 16) else {
                        throw failure(#"\x without two hex digits"#)
                    }
                    scalars = scalars.dropFirst(2)
                    bytes.append(value)
                default: throw failure("the unknown escape \\\(escaped)")
                }
            case "{":
                guard let close = scalars.firstIndex(of: "}") else { throw failure("a { with no }") }
                let name = String(String.UnicodeScalarView(scalars[..<close]))
                scalars = scalars[scalars.index(after: close)...]
                flush()
                switch name {
                case "group": parts.append(.group)
                case "size": parts.append(.size)
                default: throw failure("the unknown placeholder {\(name)}")
                }
            default:
                bytes += String(scalar).utf8
            }
        }
        flush()
    }

    public var isEmpty: Bool { parts.isEmpty }

    /// The bytes, placeholders filled in.
    public func render(group: String, size: Int) -> [UInt8] {
        var result: [UInt8] = []
        for part in parts {
            switch part {
            case .bytes(let bytes): result += bytes
            case .group: result += group.utf8
            case .size: result += String(size).utf8
            }
        }
        return result
    }
}

extension PubSubError.Code {
    public static let benchBadTemplate = Self("benchBadTemplate")
}
