import Foundation
import PubSubCore

/// One aligned, human-readable line per trace record:
///
/// ```
/// 08:01:02.345 connected    chat       Ab3dE6gH9jK2mN5p user=alice subprotocol=json.reliable.webpubsub.azure.v1 groups=room1
/// 08:01:02.351 rest         chat       -                POST /api/hubs/chat/groups/room1/:send → 202 in 0.8 ms, recipients=3
/// ```
struct TraceLineFormatter: Sendable {
    let colored: Bool

    private enum Color: String {
        case red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", cyan = "36", dim = "2"
    }

    private func paint(_ text: String, _ color: Color) -> String {
        colored ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// Fields shown in the fixed columns, or folded into a kind's own wording.
    private static let columns: Set<String> = ["id", "time", "kind", "hub", "connectionId"]

    func line(_ record: [String: JSONValue]) -> String {
        let kind = record["kind"]?.stringValue ?? "?"
        let time = record["time"]?.stringValue.map(Self.localTime) ?? "--:--:--.---"
        let hub = record["hub"]?.stringValue ?? "-"
        let connection = record["connectionId"]?.stringValue ?? "-"
        let failed = record["error"] != nil || record["success"] == .bool(false)
        let kindColor: Color
        switch TraceKind(rawValue: kind) {
        case .connected?, .recovery?: kindColor = .green
        case .refused?, .slowClient?, .missed?: kindColor = .red
        case .dropped?, .disconnected?: kindColor = .yellow
        case .publish?, .deliver?: kindColor = .cyan
        case .rest?: kindColor = .blue
        default: kindColor = .magenta
        }
        var text = paint(time, .dim) + " " + paint(Self.pad(kind, 12), failed ? .red : kindColor) + " "
        text += Self.pad(hub, 10) + " " + Self.pad(connection, 16) + " "
        text += details(kind: kind, record)
        return text
    }

    private func details(kind: String, _ record: [String: JSONValue]) -> String {
        var parts: [String] = []
        var shown = Self.columns
        func take(_ key: String) -> JSONValue? {
            shown.insert(key)
            return record[key]
        }
        switch TraceKind(rawValue: kind) {
        case .rest?:
            let method = take("method")?.stringValue ?? "?"
            let path = take("path")?.stringValue ?? "?"
            let status = take("status").map(Self.plain) ?? "?"
            let latency = take("latencyMs").map(Self.plain) ?? "?"
            parts.append("\(method) \(path) → \(status) in \(latency) ms")
        case .disconnected?:
            if let code = take("code") { parts.append("code=\(Self.plain(code))") }
            switch take("durationMs") {
            case .number(let ms)?: parts.append("after \(Self.seconds(ms))")
            case .integer(let ms)?: parts.append("after \(Self.seconds(Double(ms)))")
            default: break
            }
        case .missed?:
            let count = take("count").map(Self.plain)
            parts.append(paint(count.map { "\($0) events missed" } ?? "events may have been missed", .red))
            if let first = take("firstId"), let last = take("lastId") { parts.append("ids \(Self.plain(first))–\(Self.plain(last))") }
        case .request?:
            if let type = take("type")?.stringValue { parts.append(type) }
        default:
            break
        }
        let order = ["userId", "group", "groups", "subprotocol", "event", "from", "to", "via", "ackId", "success", "sequenceId",
            "recipients", "dataType", "size", "status", "result", "code", "error", "message", "reason"]
        let payload = take("payload")
        for key in order + record.keys.sorted() where !shown.contains(key) {
            guard let value = record[key] else { continue }
            shown.insert(key)
            let rendered = "\(key)=\(Self.plain(value))"
            parts.append(key == "error" || key == "reason" && record["error"] != nil ? paint(rendered, .red) : rendered)
        }
        if case .object(let body)? = payload {
            var data = body["data"]?.stringValue ?? ""
            if body["truncated"] == .bool(true) { data += "…" }
            parts.append(paint("payload=" + JSONValue.string(data).compactJSONString(), .dim))
        }
        return parts.joined(separator: " ")
    }

    /// A value as a bare word when it is one, JSON otherwise.
    private static func plain(_ value: JSONValue) -> String {
        switch value {
        case .string(let text):
            return text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0.isNewline }) ? JSONValue.string(text).compactJSONString() : text
        case .array(let items):
            return items.map(plain).joined(separator: ",")
        case .null:
            return "-"
        default:
            return value.compactJSONString()
        }
    }

    private static func seconds(_ milliseconds: Double) -> String {
        milliseconds < 1000 ? "\(milliseconds) ms" : String(format: "%.1f s", milliseconds / 1000)
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// `HH:MM:SS.mmm` in local time, from the record's RFC 3339 UTC time.
    static func localTime(_ iso: String) -> String {
        guard let date = try? Date(iso, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)) else {
            return iso
        }
        let parts = Calendar.current.dateComponents([.hour, .minute, .second], from: date)
        // The milliseconds as written: converting them through a Date could round them off by one.
        let fraction = iso.firstIndex(of: ".").map { iso[iso.index(after: $0)...].prefix(3) } ?? "000"
        return String(format: "%02d:%02d:%02d.", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0) + fraction
    }
}
