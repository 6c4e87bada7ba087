import Foundation
import NIOCore
import PubSubCore

extension EventUpstream {
    /// What a user event's handler answered, for the client.
    enum Reply: Sendable {
        /// 2xx: the body to send back to the client, if there is one (200 with a body).
        case success(Message?)
        /// No answer, or a non-2xx one: why (the `InternalServerError` ack's message).
        case failure(String)
    }

    /// A user event (§8.7), blocking for its connection: a PubSub client's `event` request, or a
    /// simple client's frame as the `message` event. The handler's `ce-connectionState` is kept.
    func userEvent(
        _ name: String,
        body: ByteBuffer,
        contentType: String,
        connection: ClientConnection,
        handler: EventHandlerSettings.Handler,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Reply> {
        let event = Event(name, isSystem: false, of: connection, contentType: contentType, body: body)
        return send(event, to: handler, on: eventLoop)
            .map { answer -> Reply in
                guard answer.isSuccess else {
                    let text = answer.bodyText(limit: 200)
                    return .failure("The event handler for '\(name)' answered \(answer.status.code)" + (text.isEmpty ? "." : ": \(text)"))
                }
                if let state = answer.connectionState { connection.connectionState = state.isEmpty ? nil : state }
                guard answer.status.code == 200, answer.body.readableBytes > 0 else { return .success(nil) }
                switch Self.payload(of: answer) {
                case .success(let payload): return .success(payload)
                case .failure(let problem): return .failure("The event handler for '\(name)' answered \(problem).")
                }
            }
            .recover { error in .failure("\(error)") }
    }

    /// The answer's body as a message, by its `Content-Type` (§8.7): JSON, text, else binary.
    static func payload(of answer: Answer) -> Result<Message, PayloadProblem> {
        let type = Message.dataType(contentType: answer.headers.first(name: "Content-Type"), strict: false) ?? .binary
        switch type {
        case .json:
            guard Message.validate(answer.body, as: .json) else {
                return .failure(PayloadProblem(description: "application/json that is not valid JSON"))
            }
            return .success(Message(type: .json, bytes: answer.body))
        case .text:
            // Delivered as text: bytes that are not UTF-8 are replaced, as a text frame must be UTF-8.
            return .success(Message(type: .text, bytes: ByteBuffer(string: String(decoding: answer.body.readableBytesView, as: UTF8.self))))
        case .binary, .protobuf:
            return .success(Message(type: .binary, bytes: answer.body))
        }
    }

    struct PayloadProblem: Error, CustomStringConvertible {
        var description: String
    }

    /// The body and `Content-Type` of a PubSub client's `event` data (§8.7).
    static func body(of message: Message) -> (ByteBuffer, String) {
        switch message.type {
        case .text: return (message.bytes, "text/plain; charset=utf-8")
        case .json: return (message.bytes, "application/json; charset=utf-8")
        case .binary, .protobuf: return (message.bytes, "application/octet-stream")
        }
    }

    /// The `connected` event (§8.5): after the handshake, never waited for by the client.
    func connected(_ connection: ClientConnection, on eventLoop: any EventLoop) {
        guard let handler = settings.handler(hub: connection.hub, systemEvent: .connected) else { return }
        connection.connectedEvent = notify(.connected, connection: connection, body: "{}", handler: handler, on: eventLoop)
    }

    /// The `disconnected` event (§8.6): when a session ends; sent after its `connected` event.
    func disconnected(_ connection: ClientConnection, reason: String) {
        guard let handler = settings.handler(hub: connection.hub, systemEvent: .disconnected) else { return }
        let body = JSONValue.render(orderedObject: [("reason", .string(reason))])
        if let previous = connection.connectedEvent {
            previous.whenComplete { _ in
                _ = self.notify(.disconnected, connection: connection, body: body, handler: handler, on: previous.eventLoop)
            }
        } else {
            _ = notify(.disconnected, connection: connection, body: body, handler: handler, on: anyEventLoop)
        }
    }

    /// A system event whose answer only matters to the log and the trace.
    private func notify(
        _ event: EventHandlerSettings.SystemEvent,
        connection: ClientConnection,
        body: String,
        handler: EventHandlerSettings.Handler,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<Void> {
        let request = Event(event.rawValue, isSystem: true, of: connection, contentType: "application/json; charset=utf-8", body: ByteBuffer(string: body))
        return send(request, to: handler, on: eventLoop).map { _ in () }.recover { _ in () }
    }
}

extension EventUpstream.Event {
    /// An event of an open connection: its hub, id, user, subprotocol and current state.
    init(_ name: String, isSystem: Bool, of connection: ClientConnection, contentType: String, body: ByteBuffer) {
        self.init(
            hub: connection.hub,
            name: name,
            isSystem: isSystem,
            connectionId: connection.id,
            userId: connection.userId,
            subprotocol: connection.subprotocol,
            connectionState: connection.connectionState,
            contentType: contentType,
            body: body
        )
    }
}
