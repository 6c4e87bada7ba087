import PubSubCore

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
