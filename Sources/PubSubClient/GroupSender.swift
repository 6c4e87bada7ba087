public import AsyncAlgorithms
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
    /// The service's limit on one client frame (§9): a message whose sendToGroup frame is larger is
    /// refused here instead of being sent to a close 1009.
    public var maxFrameSize = 1 << 20
    /// The roots a wss:// endpoint is checked against.
    public var trust: TLSTrust = .system
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
    public func send(_ payloads: AsyncChannel<MessageData>) async throws -> Int {
        let waiter = AckWaiter()
        let source = PayloadSource(payloads)
        let progress = Mutex(Progress())
        var connectionFailures = 0
        // A connection per loop turn: normally one for the whole run; a new one after a drop.
        while true {
            let end = try await withConnection(waiter: waiter) { connection in
                if let retry = progress.withLock({ $0.pending }) {
                    try await deliver(retry.frame, ackId: retry.ackId, over: connection, waiter: waiter)
                    progress.withLock { $0.pending = nil; $0.sent += 1 }
                }
                while let data = await source.next() {
                    let ackId: UInt64? = acks ? progress.withLock { $0.nextAckId } : nil
                    let frame = ClientMessage.sendToGroup(group: group, data: data, ackId: ackId, noEcho: noEcho).encoded()
                    try checkSize(frame, data: data)
                    progress.withLock { progress in
                        progress.nextAckId += 1
                        if let ackId { progress.pending = (ackId, frame) }
                    }
                    try await deliver(frame, ackId: ackId, over: connection, waiter: waiter)
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
        var pending: (ackId: UInt64, frame: String)?
        var nextAckId: UInt64 = 1
        var sent = 0
    }

    /// One iterator over the payloads, shared by successive connections.
    private actor PayloadSource {
        private var iterator: AsyncChannel<MessageData>.AsyncIterator

        init(_ payloads: AsyncChannel<MessageData>) {
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
        var options = WebSocketClient.Options(subprotocols: [SubscriberProtocol.json.subprotocols[0]])
        options.trust = trust
        do {
            try await WebSocketClient.connect(
                to: clientURL(),
                options: options,
                logger: logger
            ) { connection, messages in
                // true: the sender finished; false: the connection (or the close timeout) ended first.
                try await withThrowingTaskGroup(of: Bool.self) { tasks in
                    tasks.addTask {
                        for try await frame in messages {
                            guard case .text(let text) = frame, let message = try? ServiceMessage.decode(Data(text.utf8)) else { continue }
                            switch message {
                            case .ack(let ackId, let success, let error):
                                waiter.deliver(ackId, success: success, error: error)
                            case .groupMessage(let received, _, _, _) where received == group:
                                // Only a connection that is in the group (a --url with initial
                                // groups) sees its own messages, and then only without noEcho.
                                logger.debug("a message to the group came back to this connection (echo)")
                            default:
                                break
                            }
                        }
                        return false
                    }
                    tasks.addTask {
                        try await body(connection)
                        return true
                    }
                    // Whichever ends first decides: the sender finishing, or the connection ending.
                    defer { tasks.cancelAll() }
                    guard try await tasks.next() == true else { return }
                    // Close with the handshake and wait for the service's answer: closing the socket
                    // at once would reset it, and the service would drop the frames it had not read
                    // yet (the last messages of a --no-ack burst).
                    try? await connection.close()
                    tasks.addTask {
                        try await Task.sleep(for: .seconds(5))
                        return false
                    }
                    _ = try? await tasks.next()
                }
            }
            return .finished
        } catch let closed as WebSocketClosed {
            waiter.failAll()
            return .dropped(closed)
        }
    }

    private func checkSize(_ frame: String, data: MessageData) throws(PubSubError) {
        let size = frame.utf8.count
        guard size > maxFrameSize else { return }
        let growth: String
        switch data {
        case .binary, .protobuf: growth = "binary data is sent as base64, a third larger: about \(maxFrameSize * 3 / 4 / 1024) KB of bytes fit"
        case .text, .json: growth = "text is sent JSON-escaped, so quotes, backslashes and control characters take more room"
        }
        throw PubSubError(
            .messageTooLarge,
            "the message makes a \(size)-byte sendToGroup frame; the service takes client frames up to 1 MB (\(maxFrameSize) bytes)",
            hint: "\(growth); `pubsub publish --group` sends up to 1 MB of payload over REST",
            exitStatus: .dataError
        )
    }

    private func deliver(_ frame: String, ackId: UInt64?, over connection: WebSocketConnection, waiter: AckWaiter) async throws {
        guard let ackId else {
            try await connection.send(text: frame)
            return
        }
        for attempt in 1...attempts {
            let outcome = try await waiter.wait(for: ackId, timeout: ackTimeout) {
                try await connection.send(text: frame)
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
    public static let messageTooLarge = Self("messageTooLarge")
    public static let sendForbidden = Self("sendForbidden")
    public static let sendFailed = Self("sendFailed")
    public static let sendTimedOut = Self("sendTimedOut")
}
