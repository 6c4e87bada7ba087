import Foundation

/// The error of a failed ack (protocol reference §5.4). Clients must accept names they do not know.
public struct AckError: Sendable, Hashable {
    /// `Forbidden`, `Duplicate`, `InternalServerError`, …
    public let name: String
    /// Why, for people.
    public let message: String

    /// Creates an ack error.
    public init(name: String, message: String) {
        self.name = name
        self.message = message
    }

    /// Missing role or permission.
    public static let forbidden = "Forbidden"
    /// This ackId was already processed; SDKs count it as success.
    public static let duplicate = "Duplicate"
    /// Transient failure; retry with the same ackId. Also an `event` that no handler took, or whose
    /// handler failed, as Azure answers it.
    public static let internalServerError = "InternalServerError"
    /// A malformed request that carried an ackId.
    public static let badRequest = "BadRequest"
}

/// A message the service sends on the JSON subprotocols (§5.3, §6).
public enum ServiceMessage: Sendable, Hashable {
    case ack(ackId: UInt64, success: Bool, error: AckError?)
    /// `from: group`: another client's `sendToGroup` or a REST group send. `sequenceId` on reliable connections.
    case groupMessage(group: String, fromUserId: String?, data: MessageData, sequenceId: UInt64?)
    /// `from: server`: REST sends, or an event handler's reply.
    case serverMessage(data: MessageData, sequenceId: UInt64?)
    /// The first frame: `reconnectionToken` only on reliable connections.
    case connected(connectionId: String, userId: String?, reconnectionToken: String?)
    /// Sent before the service closes the connection.
    case disconnected(message: String?)
    case pong
    /// A `type`, or a `system` event, this version does not know.
    case unknown(type: String)

    /// The `sequenceId` of a data message on a reliable connection.
    public var sequenceId: UInt64? {
        switch self {
        case .groupMessage(_, _, _, let sequenceId), .serverMessage(_, let sequenceId): return sequenceId
        default: return nil
        }
    }

    /// Decodes one frame.
    /// - Throws: ``MessageDecodingProblem``.
    public static func decode(_ frame: some DataProtocol) throws(MessageDecodingProblem) -> ServiceMessage {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(frame)) else {
            throw MessageDecodingProblem("the frame is not valid JSON")
        }
        return try interpret(value)
    }

    /// Interprets a parsed JSON value as a service message.
    public static func interpret(_ value: JSONValue) throws(MessageDecodingProblem) -> ServiceMessage {
        guard case .object(let object) = value else {
            throw MessageDecodingProblem("the frame is not a JSON object")
        }
        guard case .string(let type)? = object["type"] else {
            throw MessageDecodingProblem("the message has no \"type\" string")
        }
        func optionalString(_ name: String) -> String? { object[name]?.stringValue }
        func unsigned(_ name: String) throws(MessageDecodingProblem) -> UInt64? {
            switch object[name] {
            case nil, .null?: return nil
            case .integer(let number)? where number >= 0: return UInt64(number)
            default: throw MessageDecodingProblem("\(name) must be a non-negative integer")
            }
        }
        switch type {
        case "ack":
            guard let ackId = try unsigned("ackId") else { throw MessageDecodingProblem("ack needs an \"ackId\"") }
            guard case .bool(let success)? = object["success"] else {
                throw MessageDecodingProblem("ack needs a \"success\" boolean")
            }
            var error: AckError?
            if case .object(let detail)? = object["error"] {
                error = AckError(name: detail["name"]?.stringValue ?? "", message: detail["message"]?.stringValue ?? "")
            }
            return .ack(ackId: ackId, success: success, error: error)
        case "message":
            let data: MessageData
            switch MessageData.read(from: object) {
            case .success(let value): data = value
            case .failure(let problem): throw problem
            }
            let sequenceId = try unsigned("sequenceId")
            switch optionalString("from") {
            case "group":
                guard let group = optionalString("group") else {
                    throw MessageDecodingProblem("a group message needs a \"group\"")
                }
                return .groupMessage(group: group, fromUserId: optionalString("fromUserId"), data: data, sequenceId: sequenceId)
            case "server":
                return .serverMessage(data: data, sequenceId: sequenceId)
            default:
                throw MessageDecodingProblem("a message needs \"from\": \"group\" or \"server\"")
            }
        case "system":
            switch optionalString("event") {
            case "connected":
                guard let connectionId = optionalString("connectionId") else {
                    throw MessageDecodingProblem("connected needs a \"connectionId\"")
                }
                return .connected(
                    connectionId: connectionId,
                    userId: optionalString("userId"),
                    reconnectionToken: optionalString("reconnectionToken")
                )
            case "disconnected":
                return .disconnected(message: optionalString("message"))
            case let event?:
                return .unknown(type: "system/\(event)")
            case nil:
                throw MessageDecodingProblem("a system message needs an \"event\"")
            }
        case "pong":
            return .pong
        default:
            return .unknown(type: type)
        }
    }
}

/// What the service sends besides published messages, encoded here: acks, the `connected` and
/// `disconnected` system messages, pongs. A `message` (§5.3) is framed by the service's
/// `JSONMessageFrame`, once per publish and wire format: the one encoder of each frame, while ``ServiceMessage``
/// decodes them all on the client side.
public enum ControlMessage: Sendable, Hashable {
    case ack(ackId: UInt64, success: Bool, error: AckError?)
    /// The first frame: `reconnectionToken` only on reliable connections.
    case connected(connectionId: String, userId: String?, reconnectionToken: String?)
    /// Sent before the service closes the connection.
    case disconnected(message: String?)
    case pong

    /// The message as a JSON object, members in the order the service sends them.
    public var jsonObject: [(String, JSONValue)] {
        switch self {
        case .ack(let ackId, let success, let error):
            var members: [(String, JSONValue)] = [
                ("type", "ack"), ("ackId", .integer(Int64(bitPattern: ackId))), ("success", .bool(success)),
            ]
            if let error, !success {
                members.append(("error", .object(["name": .string(error.name), "message": .string(error.message)])))
            }
            return members
        case .connected(let connectionId, let userId, let reconnectionToken):
            var members: [(String, JSONValue)] = [("type", "system"), ("event", "connected")]
            if let userId { members.append(("userId", .string(userId))) }
            members.append(("connectionId", .string(connectionId)))
            if let reconnectionToken { members.append(("reconnectionToken", .string(reconnectionToken))) }
            return members
        case .disconnected(let message):
            var members: [(String, JSONValue)] = [("type", "system"), ("event", "disconnected")]
            if let message { members.append(("message", .string(message))) }
            return members
        case .pong:
            return [("type", "pong")]
        }
    }

    /// Compact JSON text of the message, ready to send.
    public func encoded() -> String { JSONValue.render(orderedObject: jsonObject) }
}

extension ServiceMessage: Decodable {
    public init(from decoder: any Decoder) throws {
        self = try Self.interpret(try JSONValue(from: decoder))
    }
}
