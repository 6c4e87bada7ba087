import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import PubSubCore
import ServiceLifecycle
import Synchronization

/// Runs one client WebSocket: the `connected` frame, then two child tasks (the reader handling
/// requests, and a control watcher that closes the socket when the service asks), until either
/// ends. Data frames go out through the connection's ``ChannelWriter``, drained on the channel's
/// event loop.
struct ClientSocketHandler: Sendable {
    let registry: HubRegistry
    let logger: Logger

    private static let transportCounter = Atomic<UInt64>(0)

    /// How a socket's session ended.
    enum SocketEnd: Sendable {
        /// The service asked to close (REST close, slow client, protocol violation, shutdown).
        case close(CloseRequest)
        /// Reading failed; rethrown so the WebSocket library closes with the matching code
        /// (1007 for invalid UTF-8, 1009 for an oversized message).
        case readFailed(any Error)
        /// The client closed, or the transport was replaced.
        case ended
    }

    /// - Parameters:
    ///   - admission: who the client is, decided when its upgrade request was accepted.
    ///   - channel: the upgraded channel. Data frames are written to it directly, a whole queued
    ///     burst at a time with one flush; control frames (close, ping) go through `outbound`.
    func run(
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        admission: ClientAdmission,
        channel: any Channel
    ) async throws {
        let configuration = registry.configuration
        let connection: ClientConnection
        if let recovery = admission.recovery {
            guard let existing = registry.connection(hub: admission.hub, id: recovery.connectionId),
                existing.kind == .reliable,
                let expected = existing.reconnectionToken,
                Self.constantTimeEquals(expected, recovery.token)
            else {
                logger.debug("recovery refused", metadata: ["pubsub.connection_id": "\(recovery.connectionId)"])
                traceRecovery(hub: admission.hub, connectionId: recovery.connectionId, refused: "no reliable session with that id and reconnection token")
                try? await outbound.close(.policyViolation, reason: "the session cannot be recovered; start a new connection")
                return
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
                limits: configuration
            )
            registry.register(connection, groups: admission.groups)
        }
        let metadata: Logger.Metadata = ["pubsub.connection_id": "\(connection.id)", "pubsub.hub": "\(connection.hub)"]

        let frames = ChannelWriter(channel: channel, limit: configuration.outboundQueueLimit)
        do {
            try await channel.pipeline.addHandler(WritabilityHandler(writer: frames), position: .first)
        } catch {
            return  // the channel closed meanwhile
        }
        let (control, controlContinuation) = AsyncStream.makeStream(of: CloseRequest.self)
        let transport = Transport(
            frames: frames,
            control: controlContinuation,
            id: Self.transportCounter.add(1, ordering: .relaxed).newValue
        )
        switch connection.attach(transport) {
        case .attached(let replaced?):
            replaced.control.yield(CloseRequest(code: .normalClosure, reason: "replaced by a recovered transport"))
            replaced.control.finish()
        case .attached(nil):
            break
        case .ended:
            traceRecovery(hub: admission.hub, connectionId: connection.id, refused: "the session ended while the recovery request was on its way")
            try? await outbound.close(.policyViolation, reason: "the session cannot be recovered; start a new connection")
            return
        }
        logger.info(admission.recovery == nil ? "client connected" : "client recovered", metadata: metadata)
        if admission.recovery == nil {
            registry.tracer.record {
                var record = TraceRecord(.connected, connection, details: [("subprotocol", connection.kind.subprotocol.map(JSONValue.string) ?? .null)])
                record.groups = registry.groups(of: connection).sorted()
                return record
            }
        } else {
            traceRecovery(hub: admission.hub, connectionId: connection.id, refused: nil)
        }

        registry.openSockets.withLock { $0 += 1 }
        defer { registry.openSockets.withLock { $0 -= 1 } }
        let end = await withGracefulShutdownHandler {
            await withTaskGroup(of: SocketEnd.self) { group in
                group.addTask {
                    await readRequests(inbound: inbound, connection: connection)
                }
                group.addTask {
                    for await request in control { return .close(request) }
                    return .ended
                }
                let first = await group.next() ?? .ended
                group.cancelAll()
                return first
            }
        } onGracefulShutdown: {
            connection.end(CloseRequest(code: .goingAway, reason: "the service is shutting down"))
        }

        var closing: CloseRequest?
        if case .close(let request) = end { closing = request }
        if let closing {
            if connection.kind != .simple {
                try? await outbound.write(.custom(OutboundFrame.message(.disconnected(message: closing.reason)).webSocketFrame))
            }
            try? await outbound.close(closing.code, reason: closing.reason)
        }
        let reason = closing?.reason ?? Self.describe(end)
        if connection.transportClosed(transport.id) {
            registry.remove(connection)
            registry.disconnected(connection, code: closing?.code ?? Self.closeCode(end), reason: reason)
        } else if connection.kind == .reliable {
            registry.tracer.record { TraceRecord(.dropped, connection, details: [("reason", .string(reason))]) }
        }
        logger.info("client transport closed", metadata: metadata.merging(["reason": "\(closing?.reason ?? "closed by client")"]) { $1 })
        if case .readFailed(let error) = end { throw error }
    }

    /// Reads and handles requests until the client closes; returns a close request for a protocol
    /// violation.
    private func readRequests(inbound: WebSocketInboundStream, connection: ClientConnection) async -> SocketEnd {
        do {
            for try await message in inbound.messages(maxSize: registry.configuration.maxMessageSize) {
                if let violation = handle(message, connection: connection) { return .close(violation) }
            }
        } catch {
            logger.debug("read failed", metadata: ["error": "\(error)"])
            return .readFailed(error)
        }
        return .ended
    }

    private func handle(_ frame: WebSocketMessage, connection: ClientConnection) -> CloseRequest? {
        if connection.kind == .simple {
            return handleSimple(frame, connection: connection)
        }
        let bytes: ByteBuffer
        switch frame {
        case .text(let text): bytes = ByteBuffer(string: text)
        case .binary(let buffer): bytes = buffer  // the docs allow UTF-8 JSON in binary frames
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

    private func handleSimple(_ frame: WebSocketMessage, connection: ClientConnection) -> CloseRequest? {
        guard let group = connection.simpleSendGroup else {
            return CloseRequest(
                code: .policyViolation,
                reason: "No event handler handles 'message' events on hub '\(connection.hub)'; "
                    + "connect with webpubsub_mode=sendToGroup&group=<name> or a json subprotocol"
            )
        }
        let payload: Payload
        switch frame {
        case .text(let text): payload = .text(text)
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
