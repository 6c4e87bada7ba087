import Foundation

extension JSONValue {
    /// Compact JSON text of an object whose members keep the given order (protocol messages read
    /// best with `type` first, as the service sends them).
    public static func render(orderedObject members: [(String, JSONValue)]) -> String {
        var text = "{"
        for (index, (key, value)) in members.enumerated() {
            if index > 0 { text += "," }
            text += JSONValue.string(key).compactJSONString()
            text += ":"
            text += value.compactJSONString()
        }
        text += "}"
        return text
    }

    /// Encodes an ordered object through a keyed container (for `Encodable` conformances).
    static func encode(orderedObject members: [(String, JSONValue)], to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: MemberKey.self)
        for (key, value) in members {
            try container.encode(value, forKey: MemberKey(stringValue: key))
        }
    }

}

/// A coding key for any member name.
struct MemberKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
