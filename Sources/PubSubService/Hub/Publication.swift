import PubSubCore

/// One message entering a hub: the only way one does (``HubRegistry/publish(_:)``). What it is,
/// who sent it, whom it is for and where it came from; the registry finds the recipients, frames it
/// once, delivers it, and hands it to the hub's other subscribers (SSE readers, the live trace).
struct Publication: Sendable {
    enum Origin: Sendable {
        /// A client's `sendToGroup` or a simple client's frame.
        case client(ClientConnection)
        /// A REST send.
        case rest
        /// `POST /publish` on the SSE endpoint.
        case sse
        /// An event handler's answer to a client's event.
        case eventHandler
    }

    /// Who the recipients see it from.
    enum Source: Sendable {
        case group(String, fromUserId: String?)
        case server
    }

    enum Target: Sendable {
        case hub
        case group(String)
        case user(String)
        case connection(String)
    }

    /// Lower-cased hub key.
    var hub: String
    var origin: Origin
    var target: Target
    var payload: Message
    /// Who the recipients see it from: a group (and the sending client's user), or the server.
    var source: Source
    /// Connections that do not get it (REST `excluded`, a client's `noEcho`).
    var excluded: Set<String> = []
    /// REST `filter`: only the connections it selects get it (and no SSE reader, which is not a
    /// connection).
    var filter: ConnectionFilter?
    /// REST `messageTtlSeconds`.
    var deadline: ContinuousClock.Instant?

    init(hub: String, origin: Origin, target: Target, payload: Message, source: Source) {
        self.hub = HubRegistry.key(hub)
        self.origin = origin
        self.target = target
        self.payload = payload
        self.source = source
    }

    /// The SSE stream that carries it: hub-wide and group sends without a filter.
    var sseStream: SSEStream? {
        guard filter == nil else { return nil }
        switch target {
        case .hub: return .server
        case .group(let group): return .group(group)
        case .user, .connection: return nil
        }
    }
}
