import Foundation
import Logging
import NIOCore
public import PubSubCore
import Synchronization

/// Which client protocol a subscriber speaks.
public enum SubscriberProtocol: String, Sendable, CaseIterable {
    /// `json.reliable.webpubsub.azure.v1`: sequence ids, acks, recovery.
    case reliable
    /// `json.webpubsub.azure.v1`: no recovery; a reconnect may lose messages.
    case json
    /// No subprotocol: raw frames; groups come from the token.
    case simple

    var subprotocols: [String] {
        switch self {
        case .reliable: return ["json.reliable.webpubsub.azure.v1"]
        case .json: return ["json.webpubsub.azure.v1"]
        case .simple: return []
        }
    }
}

/// A message as a subscriber received it.
public struct ReceivedMessage: Sendable {
    /// `group` or `server` (simple clients: `server`, the frame says no more).
    public let from: String
    public let group: String?
    public let fromUserId: String?
    public let data: MessageData
    public let sequenceId: UInt64?
    /// The frame as received.
    public let raw: WebSocketMessage
    public let receivedAt: Date
}

/// What happens to a subscription.
public enum SubscriptionEvent: Sendable {
    case connected(connectionId: String?, userId: String?)
    /// Every group is joined: a script may publish now.
    case ready(connectionId: String?, groups: [String])
    case message(ReceivedMessage)
    case disconnected(reason: String)
    /// The same connection resumed after a transport drop; nothing was lost.
    case recovered(connectionId: String)
    /// A new connection replaced the old one (new connectionId); groups are joined again.
    case reconnected(connectionId: String?)
    case rejoinFailed(group: String, reason: String)
    /// Messages sent while the client was away may be missing.
    case possibleGap(reason: String)
}

/// A protocol-aware subscriber: connects, joins its groups (acked, the same ackId on retry,
/// `Duplicate` taken as success), acknowledges sequence ids about once a second (at once after 200
/// unacknowledged ones), drops duplicates,
/// recovers a reliable connection after a transport drop (`awps_connection_id` +
/// `awps_reconnection_token`, for up to 30 s, never after 1008), and otherwise reconnects with capped
/// exponential backoff and jitter, minting a fresh token each time (a static URL is reused).
public struct Subscriber: Sendable {
    public let hub: String
    public let groups: [String]
    public let credential: ClientCredential
    public let protocolKind: SubscriberProtocol
    public var recoveryWindow: Duration = .seconds(30)
    public var maxBackoff: Duration = .seconds(30)
    /// Ping period; a connection silent for three periods counts as half-open and is replaced.
    public var keepalive: Duration = .seconds(20)
    /// The roots a wss:// endpoint is checked against.
    public var trust: TLSTrust = .system
    private let logger: Logger

    public init(hub: String, groups: [String], credential: ClientCredential, protocolKind: SubscriberProtocol, logger: Logger) {
        self.hub = hub
        self.groups = groups
        self.credential = credential
        self.protocolKind = protocolKind
        self.logger = logger
    }

    /// A client URL: minted afresh from the connection string (roles to join the groups; for simple
    /// clients the groups themselves), or the static one.
    func clientURL() -> String {
        protocolKind == .simple
            ? credential.clientURL(hub: hub, roles: [], groups: groups)
            : credential.clientURL(hub: hub, roles: groups.map { Role(.joinLeaveGroup, .group($0)) })
    }

    private final class State: Sendable {
        let fields = Mutex(Fields())
    }

    private struct Fields {
            var connectionId: String?
            var reconnectionToken: String?
            var maxSequenceId: UInt64 = 0
            var ackedSequenceId: UInt64 = 0
            /// A `connected` frame (or, for simple clients, the upgrade) arrived on this session.
            var established = false
            var everEstablished = false
            var stop = false
            var lastClose: WebSocketClosed?
    }

    /// Runs until `onEvent` returns false, the task is cancelled, or the first connection fails.
    /// - Throws: ``PubSubError`` when the very first connection cannot be opened or is refused.
    public func run(onEvent: @escaping @Sendable (SubscriptionEvent) async -> Bool) async throws {
        let state = State()
        var backoff: Duration = .milliseconds(500)
        var recoveringSince: ContinuousClock.Instant?
        var gapReported = false
        var url = clientURL()
        while !Task.isCancelled {
            let fields = state.fields.withLock { fields -> Fields in
                fields.established = false
                return fields
            }
            var target = url
            if recoveringSince != nil, let id = fields.connectionId, let token = fields.reconnectionToken {
                target = Self.recoveryURL(url, connectionId: id, token: token)
            }
            do {
                try await session(url: target, state: state, onEvent: onEvent)
                return
            } catch let error as PubSubError where !state.fields.withLock({ $0.everEstablished }) {
                throw error
            } catch is CancellationError {
                return
            } catch {
                logger.debug("session ended", metadata: ["error": "\(error)"])
            }
            let after = state.fields.withLock { $0 }
            if after.stop || Task.isCancelled { return }
            if after.established {
                // A session that was up ends: a fresh recovery window and backoff for this drop.
                recoveringSince = nil
                gapReported = false
                backoff = .milliseconds(500)
            }
            if protocolKind == .reliable, after.reconnectionToken != nil, after.lastClose?.code != 1008 {
                if recoveringSince == nil {
                    recoveringSince = .now
                    continue
                }
                if ContinuousClock.now - recoveringSince! < recoveryWindow {
                    try await Task.sleep(for: .seconds(1))
                    continue
                }
            }
            if !gapReported {
                gapReported = true
                let reason = recoveringSince != nil ? "the connection could not be recovered" : "the connection was lost"
                if !(await onEvent(.possibleGap(reason: reason))) { return }
            }
            recoveringSince = nil
            state.fields.withLock {
                $0.connectionId = nil
                $0.reconnectionToken = nil
                $0.maxSequenceId = 0
                $0.ackedSequenceId = 0
                $0.lastClose = nil
            }
            let jitter = Double.random(in: 0...0.3)
            try await Task.sleep(for: backoff + backoff * jitter)
            backoff = min(backoff * 2, maxBackoff)
            url = clientURL()
        }
    }

    static func recoveryURL(_ url: String, connectionId: String, token: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        var items = (components.queryItems ?? []).filter { !$0.name.hasPrefix("awps_") }
        items.append(URLQueryItem(name: "awps_connection_id", value: connectionId))
        items.append(URLQueryItem(name: "awps_reconnection_token", value: token))
        components.queryItems = items
        // `+` and `/` in tokens must survive form decoding.
        components.percentEncodedQuery = components.percentEncodedQuery?
            .replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? url
    }

    /// One WebSocket session; returns when `onEvent` asks to stop, throws ``WebSocketClosed`` when the
    /// connection ends.
    private func session(
        url: String,
        state: State,
        onEvent: @escaping @Sendable (SubscriptionEvent) async -> Bool
    ) async throws {
        let kind = protocolKind
        let groups = self.groups
        var options = WebSocketClient.Options(subprotocols: kind.subprotocols)
        options.keepalive = keepalive
        options.trust = trust
        try await WebSocketClient.connect(to: url, options: options, logger: logger) { connection, messages in
            if kind != .simple, connection.subprotocol != kind.subprotocols.first {
                throw PubSubError(
                    .serviceRejected,
                    "the service did not accept the \(kind.subprotocols[0]) subprotocol (chose \(connection.subprotocol ?? "none"))",
                    hint: "try --protocol simple",
                    exitStatus: .unavailable
                )
            }
            if kind == .simple {
                let first = state.fields.withLock { fields -> Bool in
                    defer { fields.established = true; fields.everEstablished = true }
                    return !fields.everEstablished
                }
                _ = await onEvent(first ? .connected(connectionId: nil, userId: nil) : .reconnected(connectionId: nil))
                guard await onEvent(.ready(connectionId: nil, groups: groups)) else { return }
            }
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                if kind == .reliable {
                    tasks.addTask {
                        while true {
                            try await Task.sleep(for: .seconds(1))
                            let ack: UInt64? = state.fields.withLock { fields in
                                guard fields.maxSequenceId > fields.ackedSequenceId else { return nil }
                                fields.ackedSequenceId = fields.maxSequenceId
                                return fields.maxSequenceId
                            }
                            if let ack { try await connection.send(text: ClientMessage.sequenceAck(sequenceId: ack).encoded()) }
                        }
                    }
                }
                tasks.addTask {
                    var pendingJoins: [UInt64: String] = [:]
                    var joinAttempts: [String: Int] = [:]
                    do {
                        for try await frame in messages {
                            let now = Date()
                            if kind == .simple {
                                let data: MessageData
                                switch frame {
                                case .text(let text): data = .text(text)
                                case .binary(let bytes): data = .binary(Data(bytes))
                                }
                                let message = ReceivedMessage(from: "server", group: nil, fromUserId: nil, data: data, sequenceId: nil, raw: frame, receivedAt: now)
                                if !(await onEvent(.message(message))) { state.fields.withLock { $0.stop = true }; return }
                                continue
                            }
                            guard case .text(let text) = frame, let message = try? ServiceMessage.decode(Data(text.utf8)) else { continue }
                            switch message {
                            case .connected(let id, let user, let token):
                                let (previous, first) = state.fields.withLock { fields -> (String?, Bool) in
                                    let previous = fields.connectionId
                                    let first = !fields.everEstablished
                                    fields.connectionId = id
                                    fields.established = true
                                    fields.everEstablished = true
                                    if let token { fields.reconnectionToken = token }
                                    return (previous, first)
                                }
                                if previous == id {
                                    // A recovered transport: the service re-sends connected; groups are kept.
                                    if !(await onEvent(.recovered(connectionId: id))) { state.fields.withLock { $0.stop = true }; return }
                                    continue
                                }
                                _ = await onEvent(first ? .connected(connectionId: id, userId: user) : .reconnected(connectionId: id))
                                if groups.isEmpty {
                                    if !(await onEvent(.ready(connectionId: id, groups: []))) { state.fields.withLock { $0.stop = true }; return }
                                }
                                for (index, group) in groups.enumerated() {
                                    let ackId = UInt64(index + 1)
                                    pendingJoins[ackId] = group
                                    joinAttempts[group] = 1
                                    try await connection.send(text: ClientMessage.joinGroup(group: group, ackId: ackId).encoded())
                                }
                            case .ack(let ackId, let success, let error):
                                guard let group = pendingJoins[ackId] else { continue }
                                if success || error?.name == AckError.duplicate {
                                    pendingJoins[ackId] = nil
                                } else if error?.name == AckError.internalServerError, joinAttempts[group, default: 1] < 3 {
                                    joinAttempts[group, default: 1] += 1
                                    try await connection.send(text: ClientMessage.joinGroup(group: group, ackId: ackId).encoded())
                                    continue
                                } else {
                                    pendingJoins[ackId] = nil
                                    _ = await onEvent(.rejoinFailed(group: group, reason: error.map { "\($0.name): \($0.message)" } ?? "refused"))
                                }
                                if pendingJoins.isEmpty {
                                    let id = state.fields.withLock { $0.connectionId }
                                    if !(await onEvent(.ready(connectionId: id, groups: groups))) { state.fields.withLock { $0.stop = true }; return }
                                }
                            case .groupMessage(let group, let fromUserId, let data, let sequenceId):
                                if let sequenceId, !Self.isNew(sequenceId, state) { continue }
                                try await Self.acknowledgeIfBehind(state, connection)
                                let received = ReceivedMessage(from: "group", group: group, fromUserId: fromUserId, data: data, sequenceId: sequenceId, raw: frame, receivedAt: now)
                                if !(await onEvent(.message(received))) { state.fields.withLock { $0.stop = true }; return }
                            case .serverMessage(let data, let sequenceId):
                                if let sequenceId, !Self.isNew(sequenceId, state) { continue }
                                try await Self.acknowledgeIfBehind(state, connection)
                                let received = ReceivedMessage(from: "server", group: nil, fromUserId: nil, data: data, sequenceId: sequenceId, raw: frame, receivedAt: now)
                                if !(await onEvent(.message(received))) { state.fields.withLock { $0.stop = true }; return }
                            case .disconnected(let reason):
                                _ = await onEvent(.disconnected(reason: reason ?? "disconnected by the service"))
                            case .pong, .unknown:
                                continue
                            }
                        }
                    } catch let closed as WebSocketClosed {
                        state.fields.withLock { $0.lastClose = closed }
                        _ = await onEvent(.disconnected(reason: closed.description))
                        throw closed
                    }
                }
                // The reader ends the session (stop or close); the ack ticker never ends by itself.
                defer { tasks.cancelAll() }
                try await tasks.next()
            }
            if state.fields.withLock({ $0.stop }) {
                try? await connection.close()
            }
        }
    }

    /// Unacknowledged messages after which an ack goes out at once instead of at the next tick: the
    /// service keeps at most 1000 unacknowledged messages per reliable connection (§6.1) and closes
    /// it with 1008 beyond that, which a burst faster than 1000 messages a second would reach.
    static let eagerAckThreshold: UInt64 = 200

    private static func acknowledgeIfBehind(_ state: State, _ connection: WebSocketConnection) async throws {
        let ack: UInt64? = state.fields.withLock { fields in
            guard fields.maxSequenceId - fields.ackedSequenceId >= eagerAckThreshold else { return nil }
            fields.ackedSequenceId = fields.maxSequenceId
            return fields.maxSequenceId
        }
        if let ack { try await connection.send(text: ClientMessage.sequenceAck(sequenceId: ack).encoded()) }
    }

    /// Records a sequence id; false for a duplicate (already seen).
    private static func isNew(_ sequenceId: UInt64, _ state: State) -> Bool {
        state.fields.withLock { fields in
            guard sequenceId > fields.maxSequenceId else { return false }
            fields.maxSequenceId = sequenceId
            return true
        }
    }
}
