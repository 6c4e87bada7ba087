import Foundation

/// Any JSON value, kept losslessly enough to publish it again: the `data` of `json` messages and the
/// claims of a decoded token.
///
/// Integers that fit in 64 bits stay integers (`sequenceId`, `exp`); other numbers are doubles.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        // Probed in order of how often each kind appears (token claims, message fields): every
        // failed probe throws and builds an error, which is what decoding JSONValue costs.
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else {
            self = .array(try container.decode([JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// The string, if this is a JSON string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value as a whole number of seconds or similar, if it is a JSON number without a fraction.
    public var int64Value: Int64? {
        switch self {
        case .integer(let value): return value
        case .number(let value) where value.rounded() == value && abs(value) < 9.2e18: return Int64(value)
        default: return nil
        }
    }

    /// The members, if this is a JSON object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Parses one JSON document.
    /// - Throws: ``PubSubError`` with code `invalidJSON`, naming `what` was being read.
    public static func parse(_ bytes: some DataProtocol, what: String) throws(PubSubError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw PubSubError(
                .invalidJSON,
                "\(what) is not valid JSON",
                hint: "check the quoting and the braces; a JSON string value needs double quotes",
                exitStatus: .dataError
            )
        }
    }

    /// Parses a JSON object with Foundation's `JSONSerialization`, which reports each value's kind
    /// instead of being asked kind by kind (what `Decodable` decoding of ``JSONValue`` does, with an
    /// error built for every wrong guess). The service reads two objects per token, one token per
    /// connection. Nil when `data` is not a JSON object.
    public static func parseObject(_ data: Data) -> [String: JSONValue]? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object.mapValues(JSONValue.init(foundation:))
    }

    /// A value from `JSONSerialization`'s object graph: `String`, `[String: Any]`, `[Any]`,
    /// `NSNumber` or `NSNull`.
    init(foundation value: Any) {
        // A String by its exact type, a number by a cast to a class; only then the casts to
        // Swift types. A failing `as?` to a bridged type (a String asked of an NSNumber, say) goes
        // through the runtime's bridging lookups, which were a fifth of reading a token when a
        // client connects.
        let type = type(of: value)
        if type == String.self, let text = value as? String {
            self = .string(text)
        } else if type != [String: Any].self, type != [Any].self, let number = value as? NSNumber {
            self = Self(number: number)
        } else {
            switch value {
            case let object as [String: Any]:
                self = .object(object.mapValues(JSONValue.init(foundation:)))
            case let array as [Any]:
                self = .array(array.map(JSONValue.init(foundation:)))
            case let text as String:
                self = .string(text)
            default:
                self = .null
            }
        }
    }

    private init(number: NSNumber) {
        // Booleans come back as NSNumbers of the char type ("c"; "B" on some platforms).
        switch UInt8(bitPattern: number.objCType.pointee) {
        case UInt8(ascii: "c"), UInt8(ascii: "B"):
            self = .bool(number.boolValue)
        case UInt8(ascii: "d"), UInt8(ascii: "f"):
            // A whole number written as 1.0 or 1e2 is an integer, as the Decodable path reads it.
            let double = number.doubleValue
            if double.rounded() == double, abs(double) < 9.2e18 {
                self = .integer(Int64(double))
            } else {
                self = .number(double)
            }
        case UInt8(ascii: "Q") where number.uint64Value > UInt64(Int64.max):
            self = .number(number.doubleValue)
        default:
            self = .integer(number.int64Value)
        }
    }

    /// Compact JSON text with sorted keys and unescaped slashes, for stable output.
    ///
    /// Strings that need no escaping, integers, booleans and null are written directly (protocol
    /// messages are made of them: a `connected` message or an ack took a `JSONEncoder` per member);
    /// everything else goes through `JSONEncoder`, and both give the same text.
    public func compactJSONString() -> String {
        switch self {
        case .string(let text) where Self.needsNoEscaping(text):
            return "\"" + text + "\""
        case .integer(let number):
            return String(number)
        case .bool(let flag):
            return flag ? "true" : "false"
        case .null:
            return "null"
        default:
            return Self.render(self, options: [.sortedKeys, .withoutEscapingSlashes])
        }
    }

    /// No quote, backslash or control character: the text goes between quotes as it is.
    static func needsNoEscaping(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 != 0x7F }
    }

    /// ``compactJSONString()`` always through `JSONEncoder` (tests hold the two equal).
    package func encoderJSONString() -> String {
        Self.render(self, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// Indented JSON text with sorted keys, for people.
    public func prettyJSONString() -> String {
        Self.render(self, options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])
    }

    private static func render(_ value: JSONValue, options: JSONEncoder.OutputFormatting) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = options
        // Encoding a JSONValue cannot fail: every case maps to a JSON value, and non-finite doubles are
        // never produced by the decoder. Fall back to `null` rather than trap if that ever changes.
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension PubSubError.Code {
    /// A document that should be JSON is not.
    public static let invalidJSON = Self("invalidJSON")
}
