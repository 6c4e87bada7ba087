import Foundation
import Logging
import NIOCore
import NIOWebSocket
import PubSubCore
import Synchronization

/// The Web PubSub protocol of one client socket, independent of how frames arrive: opening the
/// session (new or recovered), handling each message, and ending it. ``ClientSession`` drives it
/// from the channel's event loop; everything here is synchronous and never waits for a client.
struct ClientSocketHandler: Sendable {
    let registry: HubRegistry
    let logger: Logger

    private static let transportCounter = Atomic<UInt64>(0)

    /// A whole message from the client; text frames were checked to be UTF-8.
    enum InboundMessage {
        case text(ByteBuffer)
        case binary(ByteBuffer)
    }

    enum Opening {
        case opened(ClientConnection)
        case refused(CloseRequest)
    }

    static func nextTransportID() -> UInt64 {
        transportCounter.add(1, ordering: .relaxed).newValue
    }

    /// Starts a new session, or attaches `transport` to the reliable session it recovers; queues
    /// the `connected` frame (and, on recovery, the unacknowledged messages).
    /// - Returns: the connection, or the close that refuses the socket.
    func open(_ admission: ClientAdmission, transport: Transport) -> Opening {
        let refusedRecovery = CloseRequest(code: .policyViolation, reason: "the session cannot be recovered; start a new connection")
        let connection: ClientConnection
        if let recovery = admission.recovery {
            guard let existing = registry.connection(hub: admission.hub, id: recovery.connectionId),
                existing.kind == .reliable,
                let expected = existing.reconnectionToken,
                Self.constantTimeEquals(expected, recovery.token)
            else {
                logger.debug("recovery refused", metadata: ["pubsub.connection_id": "\(recovery.connectionId)"])
                traceRecovery(hub: admission.hub, connectionId: recovery.connectionId, refused: "no reliable session with that id and reconnection token")
                return .refused(refusedRecovery)
            }
            connection = existing
        } else {
            connection = ClientConnection(
                id: Identifiers.connectionID(),
                hub: HubRegistry.key(admission.hub),
                userId: admission.userId,
                kind: admission.kind,
                roles: admission.roles,
                simpleSendGroup: admission.simpleSendGroup,
                limits: registry.configuration
            )
            registry.register(connection, groups: admission.groups)
        }
        switch connection.attach(transport) {
        case .attached(let replaced?):
            replaced.close(CloseRequest(code: .normalClosure, reason: "replaced by a recovered transport"))
        case .attached(nil):
            break
        case .ended:
            traceRecovery(hub: admission.hub, connectionId: connection.id, refused: "the session ended while the recovery request was on its way")
            return .refused(refusedRecovery)
        }
        registry.openSockets.withLock { $0 += 1 }
        logger.info(admission.recovery == nil ? "client connected" : "client recovered", metadata: Self.metadata(connection))
        if admission.recovery == nil {
            registry.tracer.record {
                var record = TraceRecord(.connected, connection, details: [("subprotocol", connection.kind.subprotocol.map(JSONValue.string) ?? .null)])
                record.groups = registry.groups(of: connection).sorted()
                return record
            }
        } else {
            traceRecovery(hub: admission.hub, connectionId: connection.id, refused: nil)
        }
        return .opened(connection)
    }

    /// The socket of a session opened by ``open(_:transport:)`` closed: a non-reliable session (or
    /// one the service ended) leaves the registry; a reliable one waits to be recovered.
    /// - Parameters:
    ///   - code: the close code sent or received; nil when the connection dropped.
    ///   - reason: why, for the trace and the log.
    func closed(_ connection: ClientConnection, transport: Transport, code: WebSocketErrorCode?, reason: String) {
        switch connection.transportClosed(transport.id) {
        case .ended:
            registry.remove(connection)
            registry.disconnected(connection, code: code, reason: reason)
        case .detached:
            registry.detached(connection)
            registry.tracer.record { TraceRecord(.dropped, connection, details: [("reason", .string(reason))]) }
        case .replaced:
            registry.tracer.record { TraceRecord(.dropped, connection, details: [("reason", .string(reason))]) }
        }
        registry.openSockets.withLock { $0 -= 1 }
        logger.info("client transport closed", metadata: Self.metadata(connection).merging(["reason": "\(reason)"]) { $1 })
    }

    private static func metadata(_ connection: ClientConnection) -> Logger.Metadata {
        ["pubsub.connection_id": "\(connection.id)", "pubsub.hub": "\(connection.hub)"]
    }

    /// Handles one message; returns a close request for a protocol violation.
    func handle(_ frame: InboundMessage, connection: ClientConnection) -> CloseRequest? {
        if connection.kind == .simple {
            return handleSimple(frame, connection: connection)
        }
        let bytes: ByteBuffer
        switch frame {
        case .text(let buffer), .binary(let buffer): bytes = buffer  // the docs allow UTF-8 JSON in binary frames
        }
        let message: ClientMessage
        do {
            message = try ClientMessage.decode(bytes.readableBytesView)
        } catch {
            registry.tracer.record {
                TraceRecord(.request, connection, details: [("type", .string("invalid")), ("error", .string(error.reason))])
            }
            if let ackId = error.ackId, connection.recordAckId(ackId) {
                ack(connection, ackId, error: AckError(name: AckError.badRequest, message: "Invalid request: \(error.reason)."))
                return nil
            }
            return CloseRequest(code: .policyViolation, reason: "Invalid request: \(error.reason)")
        }
        return handle(message, connection: connection)
    }

    private func handle(_ message: ClientMessage, connection: ClientConnection) -> CloseRequest? {
        if let record = registry.tracer.isActive ? Self.traceRequest(message, connection) : nil {
            registry.tracer.record { record }
        }
        if let ackId = message.ackId, !connection.recordAckId(ackId) {
            ack(connection, ackId, error: AckError(name: AckError.duplicate, message: "Message with ackId \(ackId) was already processed."))
            return nil
        }
        switch message {
        case .joinGroup(let group, let ackId), .leaveGroup(let group, let ackId):
            let joining: Bool
            if case .joinGroup = message { joining = true } else { joining = false }
            var refusal: AckError?
            if let problem = GroupName.problem(with: group) {
                refusal = AckError(name: AckError.badRequest, message: "Invalid group name: \(problem).")
            } else if !connection.isAllowed(.joinLeaveGroup, on: group) {
                refusal = AckError(name: AckError.forbidden, message: "No permission to \(joining ? "join" : "leave") group '\(group)'.")
            }
            registry.tracer.record {
                var details: [(String, JSONValue)] = [("via", .string("client"))]
                if let ackId { details.append(("ackId", .integer(Int64(clamping: ackId)))) }
                if let refusal { details.append(("error", .string(refusal.message))) }
                return TraceRecord(joining ? .join : .leave, connection, group: group, details: details)
            }
            if let refusal { return reject(connection, ackId, refusal) }
            if joining { registry.join(connection, group: group) } else { registry.leave(connection, group: group) }
            if let ackId { ack(connection, ackId, error: nil) }
        case .sendToGroup(let group, let data, let ackId, let noEcho):
            if let problem = GroupName.problem(with: group) {
                return reject(connection, ackId, AckError(name: AckError.badRequest, message: "Invalid group name: \(problem)."))
            }
            guard connection.isAllowed(.sendToGroup, on: group) else {
                return reject(connection, ackId, AckError(name: AckError.forbidden, message: "No permission to send to group '\(group)'."))
            }
            let payload = Payload(data)
            let prepared = PreparedMessage(source: .group(group, fromUserId: connection.userId), payload: payload)
            registry.publish(
                prepared,
                to: registry.connections(hub: connection.hub, group: group),
                excluding: noEcho ? [connection.id] : [],
                trace: PublishTrace(hub: connection.hub, origin: .client(connection), target: .group(group), payload: payload)
            )
            registry.sse.publish(payload, hub: connection.hub, to: .group(group))
            if let ackId { ack(connection, ackId, error: nil) }
        case .event(let event, _, let ackId):
            if let ackId {
                ack(
                    connection,
                    ackId,
                    error: AckError(
                        name: AckError.invocationFailed,
                        message: "No event handler is configured for event '\(event)' on hub '\(connection.hub)'."
                    )
                )
            }
        case .sequenceAck(let sequenceId):
            if connection.kind == .reliable { connection.acknowledge(upTo: sequenceId) }
        case .ping:
            connection.send(.message(.pong))
        case .unknown(let type, let ackId):
            return reject(connection, ackId, AckError(name: AckError.badRequest, message: "Unknown message type '\(type)'."))
        }
        return nil
    }

    /// Answers a failed request with an ack, or, when it carried no ackId, drops the client as the
    /// protocol says (§5.1).
    private func reject(_ connection: ClientConnection, _ ackId: UInt64?, _ error: AckError) -> CloseRequest? {
        if let ackId {
            ack(connection, ackId, error: error)
            return nil
        }
        if error.name == AckError.forbidden {
            // A refused request without an ackId is not a format error: ignore it, as the SDKs do.
            logger.debug("request refused", metadata: ["pubsub.connection_id": "\(connection.id)", "error": "\(error.message)"])
            return nil
        }
        return CloseRequest(code: .policyViolation, reason: error.message)
    }

    private func ack(_ connection: ClientConnection, _ ackId: UInt64, error: AckError?) {
        registry.tracer.record {
            var details: [(String, JSONValue)] = [("ackId", .integer(Int64(clamping: ackId))), ("success", .bool(error == nil))]
            if let error { details += [("error", .string(error.name)), ("message", .string(error.message))] }
            return TraceRecord(.ack, connection, details: details)
        }
        connection.send(.message(.ack(ackId: ackId, success: error == nil, error: error)))
    }

    private func handleSimple(_ frame: InboundMessage, connection: ClientConnection) -> CloseRequest? {
        guard let group = connection.simpleSendGroup else {
            return CloseRequest(
                code: .policyViolation,
                reason: "No event handler handles 'message' events on hub '\(connection.hub)'; "
                    + "connect with webpubsub_mode=sendToGroup&group=<name> or a json subprotocol"
            )
        }
        let payload: Payload
        switch frame {
        case .text(let buffer): payload = .text(String(buffer: buffer))
        case .binary(let buffer): payload = .binary(buffer)
        }
        registry.tracer.record { Self.traceSimpleFrame(payload, group: group, connection) }
        let prepared = PreparedMessage(source: .group(group, fromUserId: connection.userId), payload: payload)
        registry.publish(
            prepared,
            to: registry.connections(hub: connection.hub, group: group),
            trace: PublishTrace(hub: connection.hub, origin: .client(connection), target: .group(group), payload: payload)
        )
        registry.sse.publish(payload, hub: connection.hub, to: .group(group))
        return nil
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

extension OutboundFrame {
    var webSocketFrame: WebSocketFrame {
        switch self {
        case .text(let buffer): return WebSocketFrame(fin: true, opcode: .text, data: buffer)
        case .binary(let buffer): return WebSocketFrame(fin: true, opcode: .binary, data: buffer)
        case .sequenced(let sequenceId, let tail):
            // The prefix goes out as the frame's "extension data", written just before the shared
            // tail; room is left in front of it so the encoder can prepend the frame header in place.
            let headerRoom = 14
            var prefix = ByteBuffer()
            prefix.reserveCapacity(headerRoom + 36)
            prefix.moveWriterIndex(forwardBy: headerRoom)
            prefix.moveReaderIndex(forwardBy: headerRoom)
            prefix.writeStaticString(#"{"sequenceId":"#)
            prefix.writeString(String(sequenceId))
            prefix.writeStaticString(",")
            return WebSocketFrame(fin: true, opcode: .text, data: tail, extensionData: prefix)
        }
    }
}
