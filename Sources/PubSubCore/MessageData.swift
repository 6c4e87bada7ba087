import Foundation

/// The `dataType` of a message (protocol reference §5.2).
public enum MessageDataType: String, Sendable, CaseIterable, Codable {
    case text
    case json
    case binary
    /// Listed by the SDKs, not by the JSON protocol docs; carried as base64 like `binary`.
    case protobuf
}

/// A message payload with its type: `dataType` and `data` of every JSON protocol message.
public enum MessageData: Sendable, Hashable {
    /// `dataType: text`; `data` is a JSON string.
    case text(String)
    /// `dataType: json`; `data` is any JSON value, published as is.
    case json(JSONValue)
    /// `dataType: binary`; `data` is standard base64 with padding.
    case binary(Data)
    /// `dataType: protobuf`; `data` is base64.
    case protobuf(Data)

    /// The `dataType` name.
    public var dataType: MessageDataType {
        switch self {
        case .text: return .text
        case .json: return .json
        case .binary: return .binary
        case .protobuf: return .protobuf
        }
    }

    /// The `data` member as it goes on the wire.
    public var wireValue: JSONValue {
        switch self {
        case .text(let text): return .string(text)
        case .json(let value): return value
        case .binary(let bytes), .protobuf(let bytes): return .string(bytes.base64EncodedString())
        }
    }

    /// Reads `dataType` (default `json`, as the protocol says) and `data` from a message object.
    /// - Returns: nil and a reason when they do not fit together.
    static func read(from object: [String: JSONValue]) -> Result<MessageData, MessageDecodingProblem> {
        let dataType: MessageDataType
        switch object["dataType"] {
        case nil:
            dataType = .json
        case .string(let name)?:
            guard let known = MessageDataType(rawValue: name) else {
                return .failure(.init("dataType \"\(name)\" is not one of text, json, binary, protobuf"))
            }
            dataType = known
        case .some:
            return .failure(.init("dataType must be a string (text, json, binary or protobuf)"))
        }
        guard let data = object["data"] else {
            return .failure(.init("the message has no \"data\""))
        }
        switch dataType {
        case .json:
            return .success(.json(data))
        case .text:
            guard case .string(let text) = data else {
                return .failure(.init("data must be a JSON string when dataType is text"))
            }
            return .success(.text(text))
        case .binary, .protobuf:
            guard case .string(let text) = data, let bytes = Data(base64Encoded: text) else {
                return .failure(.init("data must be a base64 string when dataType is \(dataType.rawValue)"))
            }
            return .success(dataType == .binary ? .binary(bytes) : .protobuf(bytes))
        }
    }
}

/// Why a frame is not a valid protocol message, with the `ackId` it carried (if it could be read)
/// so that the service can answer with an ack instead of dropping the client.
public struct MessageDecodingProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, in protocol terms.
    public let reason: String
    /// The request's `ackId`, when the frame was an object with a valid one.
    public var ackId: UInt64?

    /// Creates a problem report.
    public init(_ reason: String, ackId: UInt64? = nil) {
        self.reason = reason
        self.ackId = ackId
    }

    public var description: String { reason }
}
