import Foundation
import Logging
public import PubSubCore
import Synchronization

/// Publishes to a group over a client WebSocket (`sendToGroup`), one message at a time: each is
/// acked before the next is sent (unless acks are off), retried with the *same* ackId when the ack
/// does not come, and a `Duplicate` ack counts as success (§5.4). A dropped connection is reopened
/// (a fresh token each time) and the unacknowledged message is sent again.
public struct GroupSender: Sendable {
    public let hub: String
    public let group: String
    public let credential: ClientCredential
    public var acks = true
    public var noEcho = false
    public var ackTimeout: Duration = .seconds(10)
    public var attempts = 3
    private let logger: Logger

    public init(hub: String, group: String, credential: ClientCredential, logger: Logger) {
        self.hub = hub
        self.group = group
        self.credential = credential
        self.logger = logger
    }

    func clientURL() -> String {
        credential.clientURL(hub: hub, roles: [Role(.sendToGroup, .group(group))])
    }

    /// Sends every payload from `payloads`, in order.
    /// - Returns: how many were sent.
    /// - Throws: ``PubSubError``: 77 Forbidden or refused, 75 no ack after every attempt, 69 unreachable.
    public func send(_ payloads: AsyncStream<MessageData>) async throws -> Int {
        let waiter = AckWaiter()
        let source = PayloadSource(payloads)
        let progress = Mutex(Progress())
        var connectionFailures = 0
        // A connection per loop turn: normally one for the whole run; a new one after a drop.
        while true {
            let end = try await withConnection(waiter: waiter) { connection in
                if let retry = progress.withLock({ $0.pending }) {
                    try await deliver(retry.message, ackId: retry.ackId, over: connection, waiter: waiter)
                    progress.withLock { $0.pending = nil; $0.sent += 1 }
                }
                while let data = await source.next() {
                    let (message, ackId) = progress.withLock { progress -> (ClientMessage, UInt64?) in
                        let ackId: UInt64? = acks ? progress.nextAckId : nil
                        progress.nextAckId += 1
                        let message = ClientMessage.sendToGroup(group: group, data: data, ackId: ackId, noEcho: noEcho)
                        if let ackId { progress.pending = (ackId, message) }
                        return (message, ackId)
                    }
                    try await deliver(message, ackId: ackId, over: connection, waiter: waiter)
                    progress.withLock { $0.pending = nil; $0.sent += 1 }
                }
            }
            switch end {
            case .finished:
                return progress.withLock { $0.sent }
            case .dropped(let closed):
                connectionFailures += 1
                guard connectionFailures < 5 else {
                    throw PubSubError(.serviceUnreachable, "the connection kept dropping: \(closed)", exitStatus: .unavailable)
                }
                logger.info("connection dropped; reconnecting", metadata: ["reason": "\(closed)"])
                try await Task.sleep(for: .milliseconds(200 * connectionFailures))
            }
        }
    }

    private struct Progress {
        var pending: (ackId: UInt64, message: ClientMessage)?
        var nextAckId: UInt64 = 1
        var sent = 0
    }

    /// One iterator over the payloads, shared by successive connections.
    private actor PayloadSource {
        private var iterator: AsyncStream<MessageData>.AsyncIterator

        init(_ payloads: AsyncStream<MessageData>) {
            iterator = payloads.makeAsyncIterator()
        }

        func next() async -> MessageData? {
            // An actor cannot await a mutating call on its own property; the iterator is a handle
            // to the stream's shared storage, so working on a copy and storing it back is the same.
            var current = iterator
            let value = await current.next(isolation: self)
            iterator = current
            return value
        }
    }

    private enum ConnectionEnd {
        case finished
        case dropped(WebSocketClosed)
    }

    private func withConnection(
        waiter: AckWaiter,
        _ body: @escaping @Sendable (WebSocketConnection) async throws -> Void
    ) async throws -> ConnectionEnd {
        do {
            try await WebSocketClient.connect(
                to: clientURL(),
                options: WebSocketClient.Options(subprotocols: [SubscriberProtocol.json.subprotocols[0]]),
                logger: logger
            ) { connection, messages in
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask {
                        for try await frame in messages {
                            guard case .text(let text) = frame, let message = try? ServiceMessage.decode(Data(text.utf8)) else { continue }
                            if case .ack(let ackId, let success, let error) = message {
                                waiter.deliver(ackId, success: success, error: error)
                            }
                        }
                    }
                    tasks.addTask { try await body(connection) }
                    // Whichever ends first decides: the sender finishing, or the connection ending.
                    defer { tasks.cancelAll() }
                    try await tasks.next()
                }
                try? await connection.close()
            }
            return .finished
        } catch let closed as WebSocketClosed {
            waiter.failAll()
            return .dropped(closed)
        }
    }

    private func deliver(_ message: ClientMessage, ackId: UInt64?, over connection: WebSocketConnection, waiter: AckWaiter) async throws {
        guard let ackId else {
            try await connection.send(text: message.encoded())
            return
        }
        for attempt in 1...attempts {
            let outcome = try await waiter.wait(for: ackId, timeout: ackTimeout) {
                try await connection.send(text: message.encoded())
            }
            switch outcome {
            case .success:
                return
            case .failure(let error) where error.name == AckError.duplicate:
                return  // already executed: the retry's purpose is served
            case .failure(let error) where error.name == AckError.forbidden:
                throw PubSubError(
                    .sendForbidden,
                    "the service refused to publish to group \(group): \(error.message)",
                    hint: "the token needs webpubsub.sendToGroup or webpubsub.sendToGroup.\(group)",
                    exitStatus: .unauthorized
                )
            case .failure(let error):
                if error.name == AckError.internalServerError, attempt < attempts { continue }
                throw PubSubError(.sendFailed, "the service failed the message: \(error.name): \(error.message)", exitStatus: .dataError)
            case .timedOut:
                logger.info("no ack; retrying with the same ackId", metadata: ["ackId": "\(ackId)", "attempt": "\(attempt)"])
                continue
            case .connectionLost(let closed):
                throw closed
            }
        }
        throw PubSubError(
            .sendTimedOut,
            "no ack for message \(ackId) after \(attempts) attempts of \(ackTimeout) each",
            exitStatus: .timedOut
        )
    }
}

/// Routes acks to the sender waiting for them.
final class AckWaiter: Sendable {
    enum Outcome: Sendable {
        case success
        case failure(AckError)
        case timedOut
        case connectionLost(WebSocketClosed)
    }

    private let waiting = Mutex<[UInt64: CheckedContinuation<Outcome, Never>]>([:])

    /// Registers for `ackId`, runs `send`, and waits for the ack or the timeout.
    func wait(for ackId: UInt64, timeout: Duration, send: @Sendable () async throws -> Void) async throws -> Outcome {
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            let registered = AsyncStream<Void>.makeStream()
            group.addTask {
                await withCheckedContinuation { continuation in
                    self.waiting.withLock { $0[ackId] = continuation }
                    registered.continuation.finish()
                }
            }
            for await _ in registered.stream {}
            try await send()
            group.addTask {
                try await Task.sleep(for: timeout)
                return .timedOut
            }
            let outcome = try await group.next() ?? .timedOut
            if case .timedOut = outcome {
                self.waiting.withLock { $0.removeValue(forKey: ackId) }?.resume(returning: .timedOut)
            }
            group.cancelAll()
            return outcome
        }
    }

    func deliver(_ ackId: UInt64, success: Bool, error: AckError?) {
        let continuation = waiting.withLock { $0.removeValue(forKey: ackId) }
        continuation?.resume(returning: success ? .success : .failure(error ?? AckError(name: "", message: "no detail")))
    }

    func failAll() {
        let all = waiting.withLock { waiting in
            defer { waiting.removeAll() }
            return Array(waiting.values)
        }
        for continuation in all { continuation.resume(returning: .connectionLost(WebSocketClosed(code: nil, reason: "the connection dropped"))) }
    }
}

extension PubSubError.Code {
    public static let sendForbidden = Self("sendForbidden")
    public static let sendFailed = Self("sendFailed")
    public static let sendTimedOut = Self("sendTimedOut")
}
