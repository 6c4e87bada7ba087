public import Logging
public import PubSubClient
public import PubSubCore
public import PubSubService
public import ServiceLifecycle
import Synchronization

/// `pubsub serve-sse` as a library: an ``SSEGateway`` in front of a hub (local or Azure), fed by
/// one reliable upstream connection and publishing over the hub's REST API. The HTTP side starts
/// once the upstream has joined its groups, so a gateway that cannot reach its hub fails instead
/// of serving streams that would stay empty. Embed it as a service in a `ServiceGroup`.
public struct SSEGatewayServer: Service {
    public struct Settings: Sendable {
        public var hub: String
        /// Groups joined upstream at start; readers may ask for these only.
        public var groups: [String]
        public var host: String
        public var port: Int
        public var historyLimit = 1000
        public var historyByteLimit = 64 << 20
        public var options = SSEEndpoint.Options()
        /// TLS trust for the upstream's WebSocket and REST connections.
        public var trust: TLSTrust = .system
        /// TLS for the gateway's own port (`--tls-cert`/`--tls-key`): https:// for readers.
        public var tls: ServiceTLS?

        public init(hub: String, groups: [String], host: String, port: Int) {
            self.hub = hub
            self.groups = groups
            self.host = host
            self.port = port
        }
    }

    /// What the gateway's upstream connection went through, for a log line.
    public typealias Say = @Sendable (String) -> Void

    let gateway: SSEGateway
    let http: AfterReady
    let upstream: Upstream
    let leaver: GroupLeaver
    let logger: Logger

    /// - Throws: ``PubSubError`` `developmentKeyBeyondLoopback` when `host` reaches beyond this
    ///   machine and the hub is signed with the public development key.
    public init(
        connectionString: ConnectionString,
        settings: Settings,
        logger: Logger,
        say: @escaping Say = { _ in },
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(PubSubError) {
        var rest = RESTClient(connectionString: connectionString, hub: settings.hub, logger: logger)
        rest.trust = settings.trust
        let restClient = rest
        // Groups a reader asks for are joined by adding the upstream connection to them over
        // REST (the gateway holds the connection string), and left the same way.
        let identity = UpstreamIdentity()
        gateway = SSEGateway(
            hub: settings.hub,
            groups: Set(settings.groups),
            upstream: connectionString.endpoint,
            accessKeys: [connectionString.accessKey],
            historyLimit: settings.historyLimit,
            historyByteLimit: settings.historyByteLimit,
            options: settings.options,
            relay: { _, stream, body, type in
                let target: SendTarget
                switch stream {
                case .server: target = .hub
                case .group(let group): target = .group(group)
                }
                try await restClient.send(Array(body.readableBytesView), as: type, to: target)
            },
            join: { group in
                guard let id = identity.connectionId else { throw PubSubError(.gatewayNotConnected, "the upstream connection is not open", exitStatus: .unavailable) }
                try await restClient.addConnection(id, toGroup: group)
            },
            logger: logger
        )
        var subscriber = Subscriber(
            hub: settings.hub,
            groups: settings.groups,
            credential: .connectionString(connectionString, userId: nil),
            protocolKind: .reliable,
            logger: logger
        )
        subscriber.trust = settings.trust
        let (ready, signalReady) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        upstream = Upstream(subscriber: subscriber, gateway: gateway, rest: restClient, identity: identity, say: say, ready: signalReady)
        leaver = GroupLeaver(gateway: gateway, rest: restClient, identity: identity, say: say)
        http = AfterReady(ready: ready, service: try gateway.application(host: settings.host, port: settings.port, tls: settings.tls, onListening: onListening))
        self.logger = logger
    }

    /// How many SSE readers are connected.
    public var readerCount: Int { gateway.readerCount }

    public func run() async throws {
        // Graceful shutdown reaches both through this group (nested in the caller's).
        try await ServiceGroup(services: [http, upstream, leaver], logger: logger).run()
    }

    /// The upstream connection's id, for joining and leaving groups over REST.
    final class UpstreamIdentity: Sendable {
        private let id = Mutex<String?>(nil)
        var connectionId: String? {
            get { id.withLock { $0 } }
            set { id.withLock { $0 = newValue } }
        }
    }

    /// Once a second, leaves upstream the groups whose readers have been gone for the linger.
    struct GroupLeaver: Service {
        let gateway: SSEGateway
        let rest: RESTClient
        let identity: UpstreamIdentity
        let say: Say

        func run() async throws {
            try? await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: .seconds(1))
                    for group in gateway.leaveLingeringGroups() {
                        guard let id = identity.connectionId else { continue }
                        do {
                            try await rest.removeConnection(id, fromGroup: group)
                            say("left group \(group): no reader for the linger time")
                        } catch {
                            say("could not leave group \(group) upstream: \((error as? PubSubError)?.message ?? "\(error)")")
                        }
                    }
                }
            }
        }
    }

    /// Runs `service` once `ready` yields; ends quietly if cancelled before.
    struct AfterReady: Service {
        let ready: AsyncStream<Void>
        let service: any Service

        func run() async throws {
            // A shutdown before the upstream is ready (a Ctrl-C right after start) ends the wait:
            // there is nothing to serve yet, and waiting on would hold the shutdown forever.
            let isReady = try await cancelWhenGracefulShutdown {
                var iterator = ready.makeAsyncIterator()
                return await iterator.next() != nil
            }
            guard isReady, !Task.isCancelled else { return }
            try await service.run()
        }
    }

    /// The one reliable upstream connection: its messages feed the gateway, its gaps become loss
    /// events, its lifecycle goes to `say`.
    struct Upstream: Service {
        let subscriber: Subscriber
        let gateway: SSEGateway
        let rest: RESTClient
        let identity: UpstreamIdentity
        let say: Say
        let ready: AsyncStream<Void>.Continuation

        func run() async throws {
            try await cancelWhenGracefulShutdown { try await relay() }
        }

        private func relay() async throws {
            try await subscriber.run { event in
                switch event {
                case .message(let message):
                    gateway.deliver(message.data, to: message.group.map(SSEStream.group) ?? .server)
                case .connected(let id, _):
                    identity.connectionId = id
                    say("upstream connected (connection \(id ?? "?"))")
                case .ready(let id, let groups):
                    ready.yield()
                    say("upstream ready (connection \(id ?? "?"); groups: \(groups.isEmpty ? "none" : groups.joined(separator: ", ")))")
                case .disconnected(let reason):
                    say("upstream disconnected: \(reason)")
                case .recovered(let id):
                    say("upstream recovered (connection \(id)); nothing was lost")
                case .reconnected(let id):
                    identity.connectionId = id
                    say("upstream reconnected with a new connection \(id ?? "?")")
                    // The groups joined for readers went with the old connection.
                    if let id {
                        for group in gateway.joinedGroups.sorted() {
                            do {
                                try await rest.addConnection(id, toGroup: group)
                            } catch {
                                gateway.reportLoss("the gateway could not join group \(group) again upstream: \((error as? PubSubError)?.message ?? "\(error)")")
                            }
                        }
                    }
                case .rejoinFailed(let group, let reason):
                    say("upstream could not join group \(group): \(reason)")
                    gateway.reportLoss("the gateway could not join group \(group) upstream: \(reason)")
                case .possibleGap(let reason):
                    say("upstream messages may have been missed: \(reason)")
                    gateway.reportLoss("the gateway's upstream connection was replaced (\(reason)); messages sent meanwhile are missing")
                }
                return true
            }
        }
    }
}

extension PubSubError.Code {
    static let gatewayNotConnected = Self("gatewayNotConnected")
}
