import PubSubCore

/// What the live trace says about a publication.
extension Publication {
    /// One `publish` record: the sender (a client's connection and user) or the addressed user or
    /// connection, the group, and how many connections it was queued for.
    func record(recipients: Int) -> TraceRecord {
        var record = TraceRecord(.publish, hub: hub, details: common + [("recipients", .integer(Int64(recipients)))], payload: payload)
        switch origin {
        case .client(let sender):
            record.connectionId = sender.id
            record.userId = sender.userId
        case .rest, .sse, .eventHandler:
            break
        }
        switch target {
        case .hub: break
        case .group(let group): record.group = group
        case .user(let user): if record.userId == nil { record.userId = user }
        case .connection(let id): if record.connectionId == nil { record.connectionId = id }
        }
        return record
    }

    /// One `deliver` record: the message queued for `recipient`.
    func delivery(to recipient: ClientConnection) -> TraceRecord {
        var group: String?
        if case .group(let name) = target { group = name }
        return TraceRecord(.deliver, recipient, group: group, details: common, payload: payload)
    }

    private var common: [(String, JSONValue)] {
        let from: String
        switch origin {
        case .client: from = "client"
        case .rest: from = "rest"
        case .sse: from = "sse"
        case .eventHandler: from = "event-handler"
        }
        let to: String
        switch target {
        case .hub: to = "hub"
        case .group: to = "group"
        case .user(let user): to = "user " + user
        case .connection(let id): to = "connection " + id
        }
        return [
            ("from", .string(from)), ("to", .string(to)), ("dataType", .string(payload.type.rawValue)),
            ("size", .integer(Int64(payload.byteCount))),
        ]
    }
}
