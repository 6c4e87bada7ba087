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
    let context: ServiceContext
    var logger: Logger { context.logger }
    var tracer: Tracer { context.tracer }

    private static let transportCounter = Atomic<UInt64>(0)

    /// A whole message from the client; text frames were checked to be UTF-8.
    enum InboundMessage: Equatable {
        case text(ByteBuffer)
        case binary(ByteBuffer)
    }

    enum Opening {
        case opened(ClientConnection)
        case refused(CloseRequest)
    }

    /// What became of one message.
    enum Outcome {
        /// A violation's close, or done.
        init(_ close: CloseRequest?) {
            self = close.map(Outcome.close) ?? .done
        }

        case done
        /// A protocol violation: close the socket.
        case close(CloseRequest)
        /// A blocking event handler call (§8.7): the connection's next message waits for it.
        case waiting(EventLoopFuture<Void>)
        /// A publication found a loop behind (``LoopMailbox``): the socket is not read until it
        /// has caught up.
        case slowDown(EventLoopFuture<Void>)
    }

    static func nextTransportID() -> UInt64 {
        transportCounter.add(1, ordering: .relaxed).newValue
    }

    /// Starts a new session, or attaches `transport` to the reliable session it recovers; queues
    /// the `connected` frame (and, on recovery, the unacknowledged messages).
    /// - Returns: the connection, or the close that refuses the socket.
    func open(_ admission: ClientAdmission, transport: Transport, on eventLoop: any EventLoop) -> Opening {
        let refusedRecovery = CloseRequest(code: .policyViolation, reason: "the session cannot be recovered; start a new connection")
        let connection: ClientConnection
        if let recovery = admission.recovery {
            guard let existing = registry.connection(hub: admission.hub, id: recovery.connectionId),
                existing.wireProtocol.isReliable,
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
                id: admission.connectionId,
                hub: HubRegistry.key(admission.hub),
                userId: admission.userId,
                wireProtocol: admission.wireProtocol,
                mailbox: context.mailboxes.mailbox(on: eventLoop),
                roles: admission.roles,
                simpleSendGroup: admission.simpleSendGroup,
                customSubprotocol: admission.customSubprotocol,
                connectionState: admission.connectionState,
                limits: context.configuration
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
        registry.lifecycle.socketOpened()
        logger.info(admission.recovery == nil ? "client connected" : "client recovered", metadata: Self.metadata(connection))
        if admission.recovery == nil {
            tracer.record {
                var record = TraceRecord(.connected, connection, details: [("subprotocol", connection.wireProtocol.subprotocol.map(JSONValue.string) ?? .null)])
                record.groups = registry.groups(of: connection).sorted()
                return record
            }
            context.events?.connected(connection, on: eventLoop)
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
            registry.lifecycle.disconnected(connection, code: code, reason: reason)
        case .detached:
            registry.lifecycle.detached(connection)
            tracer.record { TraceRecord(.dropped, connection, details: [("reason", .string(reason))]) }
        case .replaced:
            tracer.record { TraceRecord(.dropped, connection, details: [("reason", .string(reason))]) }
        }
        registry.lifecycle.socketClosed()
        logger.info("client transport closed", metadata: Self.metadata(connection).merging(["reason": "\(reason)"]) { $1 })
    }

    private static func metadata(_ connection: ClientConnection) -> Logger.Metadata {
        ["pubsub.connection_id": "\(connection.id)", "pubsub.hub": "\(connection.hub)"]
    }

    /// Handles one message: done, a close for a protocol violation, or an event handler call the
    /// connection's next message waits for.
    func handle(_ frame: InboundMessage, connection: ClientConnection, on eventLoop: any EventLoop) -> Outcome {
        if connection.wireProtocol.format == .simple {
            return handleSimple(frame, connection: connection, on: eventLoop)
        }
        let bytes: ByteBuffer
        switch frame {
        case .text(let buffer), .binary(let buffer): bytes = buffer  // the docs allow UTF-8 JSON in binary frames
        }
        let message: ClientMessage
        do {
            message = try ClientMessage.decode(bytes.readableBytesView)
        } catch {
            tracer.record {
                TraceRecord(.request, connection, details: [("type", .string("invalid")), ("error", .string(error.reason))])
            }
            if let ackId = error.ackId, connection.recordAckId(ackId) {
                ack(connection, ackId, error: AckError(name: AckError.badRequest, message: "Invalid request: \(error.reason)."))
                return .done
            }
            return .close(CloseRequest(code: .policyViolation, reason: "Invalid request: \(error.reason)"))
        }
        tracer.recordIfAny { Self.traceRequest(message, frame: bytes, connection) }
        if let ackId = message.ackId, !connection.recordAckId(ackId) {
            ack(connection, ackId, error: AckError(name: AckError.duplicate, message: "Message with ackId \(ackId) was already processed."))
            return .done
        }
        if case .event(let event, let data, let ackId) = message {
            return handleEvent(event, data: Message(data, in: bytes), ackId: ackId, connection: connection, on: eventLoop)
        }
        return handle(message, frame: bytes, connection: connection)
    }

    /// A request other than `event`, traced and checked for a repeated ackId already; `frame` is
    /// the request as it came (a JSON `data` is published from it as written).
    private func handle(_ message: ClientMessage, frame: ByteBuffer, connection: ClientConnection) -> Outcome {
        switch message {
        case .joinGroup(let group, let ackId), .leaveGroup(let group, let ackId):
            let joining: Bool
            if case .joinGroup = message { joining = true } else { joining = false }
            var refusal: AckError?
            if let problem = GroupName.problem(with: group) {
                refusal = AckError(name: AckError.badRequest, message: "Invalid group name: \(problem).")
            } else if !connection.isAllowed(.joinLeaveGroup, on: group) {
                refusal = AckError(name: AckError.forbidden, message: "No permission to \(joining ? "join" : "leave") group '\(group)'.")
            } else if joining {
                if !registry.join(connection, group: group) {
                    let limit = context.configuration.maxGroupsPerConnection
                    refusal = AckError(name: AckError.badRequest, message: "The connection is already in \(limit) groups, the most the service allows; leave one first.")
                }
            } else {
                registry.leave(connection, group: group)
            }
            // Traced once the outcome is known, so a join refused at the group limit shows its error.
            tracer.record {
                var details: [(String, JSONValue)] = [("via", .string("client"))]
                if let ackId { details.append(("ackId", .integer(Int64(clamping: ackId)))) }
                if let refusal { details.append(("error", .string(refusal.message))) }
                return TraceRecord(joining ? .join : .leave, connection, group: group, details: details)
            }
            if let refusal { return Outcome(reject(connection, ackId, refusal)) }
            if let ackId { ack(connection, ackId, error: nil) }
        case .sendToGroup(let group, let data, let ackId, let noEcho):
            if let problem = GroupName.problem(with: group) {
                return Outcome(reject(connection, ackId, AckError(name: AckError.badRequest, message: "Invalid group name: \(problem).")))
            }
            guard connection.isAllowed(.sendToGroup, on: group) else {
                return Outcome(reject(connection, ackId, AckError(name: AckError.forbidden, message: "No permission to send to group '\(group)'.")))
            }
            var publication = Publication(
                hub: connection.hub,
                origin: .client(connection),
                target: .group(group),
                payload: Message(data, in: frame),
                source: .group(group, fromUserId: connection.userId)
            )
            if noEcho { publication.excluded = [connection.id] }
            let wait = registry.publish(publication).wait
            if let ackId { ack(connection, ackId, error: nil) }
            // Back-pressure (LoopMailbox): the client's socket is not read until the loops caught up.
            if let wait { return .slowDown(wait) }
        case .event:
            assertionFailure("events go to handleEvent")
        case .sequenceAck(let sequenceId):
            if connection.wireProtocol.isReliable { connection.acknowledge(upTo: sequenceId) }
        case .ping:
            connection.send(.message(.pong))
        case .unknown(let type, let ackId):
            return Outcome(reject(connection, ackId, AckError(name: AckError.badRequest, message: "Unknown message type '\(type)'.")))
        }
        return .done
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
        tracer.record {
            var details: [(String, JSONValue)] = [("ackId", .integer(Int64(clamping: ackId))), ("success", .bool(error == nil))]
            if let error { details += [("error", .string(error.name)), ("message", .string(error.message))] }
            return TraceRecord(.ack, connection, details: details)
        }
        connection.send(.message(.ack(ackId: ackId, success: error == nil, error: error)))
    }

    /// An `event` request: to the hub's event handler for it, whose answer goes back to the client
    /// as a message and decides the ack (§8.7). No handler for the event, a non-2xx answer, no
    /// answer in time: an `InternalServerError` ack, the name Azure sends and Microsoft's SDK tests
    /// accept (`test_send_event`), and the ackId is forgotten, so that the SDKs' retry with the same
    /// ackId runs the event again instead of being answered `Duplicate`, which they count as success.
    private func handleEvent(_ event: String, data: Message, ackId: UInt64?, connection: ClientConnection, on eventLoop: any EventLoop) -> Outcome {
        guard let events = context.events, let handler = events.settings.handler(hub: connection.hub, userEvent: event) else {
            if let ackId {
                let message = "No event handler is configured for event '\(event)' on hub '\(connection.hub)'."
                failEvent(connection, ackId, message)
            }
            return .done
        }
        let (body, contentType) = EventUpstream.body(of: data)
        let call = events.userEvent(event, body: body, contentType: contentType, connection: connection, handler: handler, on: eventLoop)
        return .waiting(
            call.map { reply in
                switch reply {
                case .success(let payload):
                    if let payload { self.reply(payload, to: connection) }
                    if let ackId { self.ack(connection, ackId, error: nil) }
                case .failure(let reason):
                    if let ackId { self.failEvent(connection, ackId, reason) }
                }
            }
        )
    }

    private func failEvent(_ connection: ClientConnection, _ ackId: UInt64, _ reason: String) {
        connection.forgetAckId(ackId)
        ack(connection, ackId, error: AckError(name: AckError.internalServerError, message: reason))
    }

    /// An event handler's answer, to the connection that sent the event.
    private func reply(_ payload: Message, to connection: ClientConnection) {
        registry.publish(
            Publication(hub: connection.hub, origin: .eventHandler, target: .connection(connection.id), payload: payload, source: .server)
        )
    }

    private func handleSimple(_ frame: InboundMessage, connection: ClientConnection, on eventLoop: any EventLoop) -> Outcome {
        guard let group = connection.simpleSendGroup else {
            return simpleEvent(frame, connection: connection, on: eventLoop)
        }
        let payload: Message
        switch frame {
        case .text(let buffer): payload = Message(type: .text, bytes: buffer)
        case .binary(let buffer): payload = Message(type: .binary, bytes: buffer)
        }
        tracer.record { Self.traceSimpleFrame(payload, group: group, connection) }
        let wait = registry.publish(
            Publication(
                hub: connection.hub,
                origin: .client(connection),
                target: .group(group),
                payload: payload,
                source: .group(group, fromUserId: connection.userId)
            )
        ).wait
        // Back-pressure (LoopMailbox): the client's socket is not read until the loops caught up.
        return wait.map { .slowDown($0) } ?? .done
    }

    /// A simple client in `sendEvent` mode: each frame is a `message` event to the event handler,
    /// whose 200 answer goes back as a text or binary frame (§5.6). Without a handler for
    /// `message`, the client is dropped, as the protocol says.
    private func simpleEvent(_ frame: InboundMessage, connection: ClientConnection, on eventLoop: any EventLoop) -> Outcome {
        guard let events = context.events, let handler = events.settings.handler(hub: connection.hub, userEvent: "message") else {
            return .close(
                CloseRequest(
                    code: .policyViolation,
                    reason: "No event handler handles 'message' events on hub '\(connection.hub)'; "
                        + "connect with webpubsub_mode=sendToGroup&group=<name> or a json subprotocol"
                )
            )
        }
        let body: ByteBuffer
        let contentType: String
        switch frame {
        case .text(let buffer): (body, contentType) = (buffer, "text/plain; charset=utf-8")
        case .binary(let buffer): (body, contentType) = (buffer, "application/octet-stream")
        }
        tracer.record {
            let payload = Message(type: contentType == "application/octet-stream" ? .binary : .text, bytes: body)
            return TraceRecord(.request, connection, details: [("type", .string("event")), ("event", .string("message"))], payload: payload)
        }
        let call = events.userEvent("message", body: body, contentType: contentType, connection: connection, handler: handler, on: eventLoop)
        return .waiting(
            call.map { reply in
                if case .success(let payload?) = reply { self.reply(payload, to: connection) }
            }
        )
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
