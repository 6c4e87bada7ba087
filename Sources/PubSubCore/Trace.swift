import Foundation

/// What a live-trace record is about (`pubsub trace`, the service's `GET /trace`).
public enum TraceKind: String, Sendable, CaseIterable, Hashable {
    /// A client's WebSocket session started (subprotocol, user, initial groups).
    case connected
    /// A WebSocket upgrade was refused (status and reason).
    case refused
    /// A reliable client tried to recover its session (result: recovered or refused).
    case recovery
    /// A reliable client's transport ended; the session waits for it to recover.
    case dropped
    /// A session ended (close code, reason, duration).
    case disconnected
    /// A connection (or a user, over REST) joined a group, or was refused.
    case join
    /// A connection (or a user, over REST) left a group, or was refused.
    case leave
    /// A message from a client other than join/leave: sendToGroup, event, sequenceAck, ping, a
    /// simple client's frame, or an invalid one.
    case request
    /// One published message and how many connections it was queued for.
    case publish
    /// One delivery of a published message to one connection (only when asked for).
    case deliver
    /// An ack the service sent to a client.
    case ack
    /// A REST call: method, path, status, target, recipients, latency.
    case rest
    /// A client that could not keep up was disconnected.
    case slowClient = "slow-client"
    /// A call to an app's event handler (an event and its answer), or its abuse-protection check.
    case eventHandler = "event-handler"
    /// Events that did not reach this trace client (it fell behind, or reconnected after a gap).
    case missed

    /// Kinds a trace gets when it names none: everything but per-delivery records.
    public static let defaultKinds: Set<TraceKind> = Set(allCases).subtracting([.deliver])
}

extension TokenMinter {
    /// The role a token needs to read the live trace of the local service.
    public static let traceRole = "pubsub.trace"

    /// A token for the local service's live trace: `aud` is `<endpoint>/trace`, `role` holds
    /// ``traceRole``.
    public func traceToken(lifetime: Duration = .seconds(3600), now: Date = Date()) -> String {
        let issuedAt = Int64(now.timeIntervalSince1970.rounded(.down))
        return sign(
            [
                "aud": .string(connectionString.endpoint.url.lowercased() + "/trace"),
                "iat": .integer(issuedAt),
                "exp": .integer(issuedAt + max(1, lifetime.wholeSeconds)),
                "role": .array([.string(Self.traceRole)]),
            ],
            order: ["aud", "iat", "exp", "role"]
        )
    }
}
