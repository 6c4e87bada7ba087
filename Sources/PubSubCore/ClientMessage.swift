import Foundation

/// A request a client sends on `json.webpubsub.azure.v1` or `json.reliable.webpubsub.azure.v1`
/// (protocol reference §5.2).
///
/// Decoding never traps: an unknown `type` becomes ``unknown(type:)``, and a malformed request
/// throws a ``MessageDecodingProblem`` that says which member is wrong and carries its `ackId`.
public enum ClientMessage: Sendable, Hashable {
    case joinGroup(group: String, ackId: UInt64?)
    case leaveGroup(group: String, ackId: UInt64?)
    case sendToGroup(group: String, data: MessageData, ackId: UInt64?, noEcho: Bool)
    case event(event: String, data: MessageData, ackId: UInt64?)
    case sequenceAck(sequenceId: UInt64)
    case ping
    /// A `type` this version does not know, with its `ackId` if it carried a valid one.
    case unknown(type: String, ackId: UInt64?)

    /// The request's `ackId`, if it has one.
    public var ackId: UInt64? {
        switch self {
        case .joinGroup(_, let ackId), .leaveGroup(_, let ackId), .sendToGroup(_, _, let ackId, _),
            .event(_, _, let ackId), .unknown(_, let ackId):
            return ackId
        case .sequenceAck, .ping:
            return nil
        }
    }

    /// Decodes one frame.
    /// - Throws: ``MessageDecodingProblem``.
    public static func decode(_ frame: some DataProtocol) throws(MessageDecodingProblem) -> ClientMessage {
        let data = Data(frame)
        // The common case, a JSON object, through JSONSerialization (it reports each value's kind;
        // `Decodable` decoding of JSONValue guesses kind after kind).
        if let object = JSONValue.parseObject(data) {
            return try interpret(.object(object))
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw MessageDecodingProblem("the frame is not valid JSON")
        }
        return try interpret(value)
    }

    /// Interprets a parsed JSON value as a client message.
    public static func interpret(_ value: JSONValue) throws(MessageDecodingProblem) -> ClientMessage {
        guard case .object(let object) = value else {
            throw MessageDecodingProblem("the frame is not a JSON object")
        }
        guard case .string(let type)? = object["type"] else {
            throw MessageDecodingProblem("the message has no \"type\" string")
        }
        var ackId: UInt64?
        if let raw = object["ackId"] {
            guard case .integer(let number) = raw, number >= 0 else {
                throw MessageDecodingProblem("ackId must be a non-negative integer")
            }
            ackId = UInt64(number)
        }
        func string(_ name: String) throws(MessageDecodingProblem) -> String {
            guard case .string(let text)? = object[name] else {
                throw MessageDecodingProblem("\(type) needs a \"\(name)\" string", ackId: ackId)
            }
            return text
        }
        func payload() throws(MessageDecodingProblem) -> MessageData {
            switch MessageData.read(from: object) {
            case .success(let data): return data
            case .failure(var problem):
                problem.ackId = ackId
                throw problem
            }
        }
        switch type {
        case "joinGroup":
            return .joinGroup(group: try string("group"), ackId: ackId)
        case "leaveGroup":
            return .leaveGroup(group: try string("group"), ackId: ackId)
        case "sendToGroup":
            let group = try string("group")
            var noEcho = false
            switch object["noEcho"] {
            case nil, .null?: break
            case .bool(let flag)?: noEcho = flag
            default: throw MessageDecodingProblem("noEcho must be true or false", ackId: ackId)
            }
            return .sendToGroup(group: group, data: try payload(), ackId: ackId, noEcho: noEcho)
        case "event":
            return .event(event: try string("event"), data: try payload(), ackId: ackId)
        case "sequenceAck":
            // Some docs show the id quoted; accept a decimal string as well as a number.
            switch object["sequenceId"] {
            case .integer(let number)? where number >= 0:
                return .sequenceAck(sequenceId: UInt64(number))
            case .string(let text)?:
                guard let number = UInt64(text) else { fallthrough }
                return .sequenceAck(sequenceId: number)
            default:
                throw MessageDecodingProblem("sequenceAck needs a non-negative integer \"sequenceId\"")
            }
        case "ping":
            return .ping
        default:
            return .unknown(type: type, ackId: ackId)
        }
    }

    /// The message as a JSON object, members in protocol order.
    public var jsonObject: [(String, JSONValue)] {
        func withAck(_ members: [(String, JSONValue)], _ ackId: UInt64?) -> [(String, JSONValue)] {
            guard let ackId else { return members }
            return Array(members.prefix(2)) + [("ackId", .integer(Int64(bitPattern: ackId)))] + members.dropFirst(2)
        }
        switch self {
        case .joinGroup(let group, let ackId):
            return withAck([("type", "joinGroup"), ("group", .string(group))], ackId)
        case .leaveGroup(let group, let ackId):
            return withAck([("type", "leaveGroup"), ("group", .string(group))], ackId)
        case .sendToGroup(let group, let data, let ackId, let noEcho):
            return withAck(
                [("type", "sendToGroup"), ("group", .string(group)), ("dataType", .string(data.dataType.rawValue)),
                    ("data", data.wireValue), ("noEcho", .bool(noEcho))],
                ackId
            )
        case .event(let event, let data, let ackId):
            return withAck(
                [("type", "event"), ("event", .string(event)), ("dataType", .string(data.dataType.rawValue)),
                    ("data", data.wireValue)],
                ackId
            )
        case .sequenceAck(let sequenceId):
            return [("type", "sequenceAck"), ("sequenceId", .integer(Int64(bitPattern: sequenceId)))]
        case .ping:
            return [("type", "ping")]
        case .unknown(let type, let ackId):
            return withAck([("type", .string(type))], ackId)
        }
    }

    /// Compact JSON text of the message, ready to send.
    public func encoded() -> String { JSONValue.render(orderedObject: jsonObject) }
}

extension ClientMessage: Codable {
    public init(from decoder: any Decoder) throws {
        self = try Self.interpret(try JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONValue.encode(orderedObject: jsonObject, to: encoder)
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
