import Foundation
import NIOCore
import PubSubCore

/// Which messages an SSE event comes from: the hub's server-wide messages, or one group's.
public enum SSEStream: Hashable, Sendable, CustomStringConvertible {
    case server
    case group(String)

    /// The SSE `event:` name.
    var eventName: String {
        switch self {
        case .server: return "server-message"
        case .group: return "group-message"
        }
    }

    public var description: String {
        switch self {
        case .server: return "server-wide messages"
        case .group(let group): return "group \(group)"
        }
    }
}

/// The Server-Sent Events wire format (WHATWG HTML §9.2): `id:`, `event:`, `retry:` and one `data:`
/// line per line of the payload, ended by a blank line.
enum SSEEncoding {
    /// Encodes one message event. Text and JSON go as written, one `data:` line per line (a browser
    /// joins them with `\n` again); binary goes as standard base64.
    static func event(id: UInt64, stream: SSEStream, payload: Message, retryMilliseconds: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(64 + payloadSize(payload))
        buffer.writeStaticString("id: ")
        buffer.writeString(String(id))
        buffer.writeStaticString("\nevent: ")
        buffer.writeString(stream.eventName)
        buffer.writeStaticString("\nretry: ")
        buffer.writeString(String(retryMilliseconds))
        buffer.writeStaticString("\n")
        switch payload.type {
        case .text, .json:
            writeData(payload.bytes.readableBytesView, into: &buffer)
        case .binary, .protobuf:
            buffer.writeStaticString("data: ")
            buffer.writeString(Data(payload.bytes.readableBytesView).base64EncodedString())
            buffer.writeStaticString("\n")
        }
        buffer.writeStaticString("\n")
        return buffer
    }

    /// The explicit loss record sent before a replay that cannot be complete. It has no `id:`, so the
    /// browser's last event id stays that of the last real event.
    static func loss(lastEventId: String, replayFrom: UInt64, reason: String) -> ByteBuffer {
        let data: JSONValue = .object([
            "lastEventId": .string(lastEventId),
            "replayFrom": .string(String(replayFrom)),
            "reason": .string(reason),
        ])
        var buffer = ByteBuffer()
        buffer.writeStaticString("event: loss\n")
        writeData(ByteBuffer(string: data.compactJSONString()).readableBytesView, into: &buffer)
        buffer.writeStaticString("\n")
        return buffer
    }

    /// A comment line: keeps proxies and the browser from timing the stream out.
    static let heartbeat = ByteBuffer(string: ": heartbeat\n\n")

    /// `data: …` lines for `text`, split at CR LF, CR or LF, as the SSE parser splits them.
    private static func writeData(_ text: ByteBufferView, into buffer: inout ByteBuffer) {
        var lineStart = text.startIndex
        var index = text.startIndex
        var previousWasCR = false
        while index != text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: "\n"), previousWasCR {
                // The LF of a CR LF: the line already ended at the CR.
                previousWasCR = false
                index = text.index(after: index)
                lineStart = index
                continue
            }
            previousWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                buffer.writeStaticString("data: ")
                buffer.writeBytes(text[lineStart..<index])
                buffer.writeStaticString("\n")
                index = text.index(after: index)
                lineStart = index
                continue
            }
            index = text.index(after: index)
        }
        buffer.writeStaticString("data: ")
        buffer.writeBytes(text[lineStart..<text.endIndex])
        buffer.writeStaticString("\n")
    }

    private static func payloadSize(_ payload: Message) -> Int {
        switch payload.type {
        case .text, .json: return payload.byteCount
        case .binary, .protobuf: return payload.byteCount / 3 * 4 + 4
        }
    }
}
