import Foundation
import NIOCore
import PubSubCore

/// One live-trace event as the service records it. Built only while someone traces (see
/// ``Tracer/record(_:)``); encoded to JSON per trace client, off the path that recorded it.
struct TraceRecord: Sendable {
    /// Service-wide, increasing; the SSE `id:` a trace client resumes from.
    var id: UInt64 = 0
    /// Wall-clock time of recording.
    var time = Date()
    var kind: TraceKind
    /// Lower-cased hub key.
    var hub: String?
    var connectionId: String?
    var userId: String?
    var group: String?
    /// A connection's groups (for `connected`); a group filter matches any of them.
    var groups: [String] = []
    /// Kind-specific fields, in output order.
    var details: [(String, JSONValue)] = []
    /// The message body, sent only to trace clients that asked for payloads.
    var payload: Message?

    init(
        _ kind: TraceKind,
        hub: String? = nil,
        connectionId: String? = nil,
        userId: String? = nil,
        group: String? = nil,
        details: [(String, JSONValue)] = [],
        payload: Message? = nil
    ) {
        self.kind = kind
        self.hub = hub
        self.connectionId = connectionId
        self.userId = userId
        self.group = group
        self.details = details
        self.payload = payload
    }

    init(_ kind: TraceKind, _ connection: ClientConnection, group: String? = nil, details: [(String, JSONValue)] = [], payload: Message? = nil) {
        self.init(kind, hub: connection.hub, connectionId: connection.id, userId: connection.userId, group: group, details: details, payload: payload)
    }

    /// The record as one compact JSON object, fields in a fixed order; the payload, when
    /// `payloadLimit` is set, cut at that many bytes.
    func json(payloadLimit: Int?) -> String {
        var object: [(String, JSONValue)] = [
            ("id", .integer(Int64(clamping: id))),
            ("time", .string(Self.timestamp(time))),
            ("kind", .string(kind.rawValue)),
        ]
        if let hub { object.append(("hub", .string(hub))) }
        if let connectionId { object.append(("connectionId", .string(connectionId))) }
        if let userId { object.append(("userId", .string(userId))) }
        if let group { object.append(("group", .string(group))) }
        if !groups.isEmpty { object.append(("groups", .array(groups.map(JSONValue.string)))) }
        object.append(contentsOf: details)
        if let payloadLimit, let payload { object.append(("payload", Self.describe(payload, limit: payloadLimit))) }
        return JSONValue.render(orderedObject: object)
    }

    /// `{"dataType":…,"data":…,"truncated":…}`: text and JSON as text, binary as base64, each cut
    /// at `limit` bytes (text at a character boundary).
    static func describe(_ payload: Message, limit: Int) -> JSONValue {
        let bytes = payload.bytes.readableBytesView
        let truncated = bytes.count > limit
        let data: String
        switch payload.type {
        case .text, .json:
            // Cut before a continuation byte, so that the text ends at a character.
            var end = min(bytes.count, limit)
            while end > 0, end < bytes.count, UTF8.isContinuation(bytes[bytes.startIndex + end]) { end -= 1 }
            data = String(decoding: bytes.prefix(end), as: UTF8.self)
        case .binary, .protobuf:
            data = Data(bytes.prefix(limit)).base64EncodedString()
        }
        return .object(["dataType": .string(payload.type.rawValue), "data": .string(data), "truncated": .bool(truncated)])
    }

    /// RFC 3339 UTC with milliseconds: `2026-11-22T08:01:02.345Z`.
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds % 1000), 3))Z"
    }
}

extension TraceRecord {
    /// The `missed` marker: `count` events (ids `first`…`last`, when known) did not reach a client.
    static func missed(count: UInt64?, first: UInt64?, last: UInt64?, reason: String) -> TraceRecord {
        var details: [(String, JSONValue)] = []
        if let count { details.append(("count", .integer(Int64(clamping: count)))) }
        if let first { details.append(("firstId", .integer(Int64(clamping: first)))) }
        if let last { details.append(("lastId", .integer(Int64(clamping: last)))) }
        details.append(("reason", .string(reason)))
        var record = TraceRecord(.missed, details: details)
        record.id = last ?? 0
        return record
    }

    /// Milliseconds since `start`, rounded to a tenth.
    static func milliseconds(since start: ContinuousClock.Instant) -> JSONValue {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return .number((ms * 10).rounded() / 10)
    }
}
