import NIOCore
import PubSubCore

/// The records the socket handler adds to the live trace.
extension ClientSocketHandler {
    func traceRecovery(hub: String, connectionId: String, refused reason: String?) {
        tracer.record {
            var details: [(String, JSONValue)] = [("result", .string(reason == nil ? "recovered" : "refused"))]
            if let reason { details.append(("reason", .string(reason))) }
            return TraceRecord(.recovery, hub: HubRegistry.key(hub), connectionId: connectionId, details: details)
        }
    }

    /// A client message other than join/leave (those get `join`/`leave` records with their result).
    static func traceRequest(_ message: ClientMessage, frame: ByteBuffer, _ connection: ClientConnection) -> TraceRecord? {
        var details: [(String, JSONValue)] = []
        var group: String?
        var payload: Message?
        switch message {
        case .joinGroup, .leaveGroup:
            return nil
        case .sendToGroup(let name, let data, _, let noEcho):
            group = name
            payload = Message(data, in: frame)
            details.append(("type", .string("sendToGroup")))
            if noEcho { details.append(("noEcho", .bool(true))) }
        case .event(let event, let data, _):
            payload = Message(data, in: frame)
            details += [("type", .string("event")), ("event", .string(event))]
        case .sequenceAck(let sequenceId):
            details += [("type", .string("sequenceAck")), ("sequenceId", .integer(Int64(clamping: sequenceId)))]
        case .ping:
            details.append(("type", .string("ping")))
        case .unknown(let type, _):
            details += [("type", .string(type)), ("error", .string("unknown message type"))]
        }
        if let ackId = message.ackId { details.append(("ackId", .integer(Int64(clamping: ackId)))) }
        if let payload {
            details += [("dataType", .string(payload.type.rawValue)), ("size", .integer(Int64(payload.byteCount)))]
        }
        return TraceRecord(.request, connection, group: group, details: details, payload: payload)
    }

    /// A simple client's frame, published to its `webpubsub_mode=sendToGroup` group.
    static func traceSimpleFrame(_ payload: Message, group: String, _ connection: ClientConnection) -> TraceRecord {
        TraceRecord(
            .request,
            connection,
            group: group,
            details: [
                ("type", .string("message")), ("dataType", .string(payload.type.rawValue)),
                ("size", .integer(Int64(payload.byteCount))),
            ],
            payload: payload
        )
    }
}
