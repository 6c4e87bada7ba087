import Foundation
import NIOCore
import NIOPosix
import PubSubClient
import PubSubCore

/// Where a bench connects, and how: the service (Web PubSub's hub, or another broker's WebSocket
/// listener spoken to raw), TLS trust, and the local addresses to connect from.
public struct BenchEndpoint: Sendable {
    public enum Service: Sendable {
        /// A Web PubSub service (ours or Azure's) and the hub: tokens are minted, groups joined
        /// with acked `joinGroup`, REST publishes signed.
        case webPubSub(ConnectionString, hub: String)
        /// Another server, through its WebSocket listener: connections send their preamble, and
        /// publishers send framed payloads over WebSocket.
        case raw(RawWebSocket)
    }

    public private(set) var service: Service
    public var trust: TLSTrust = .system
    /// Loopback addresses (`127.0.0.x`) to spread connections over, round-robin; empty: one, chosen
    /// by the system. Each source address has its own ~28,000 ephemeral ports towards the service.
    public var sourceAddresses: [String] = []
    public var connectTimeout: Duration = .seconds(10)

    /// The raw server's URL, parsed once.
    private let rawTarget: WebSocketClient.Target?

    public init(connectionString: ConnectionString, hub: String) {
        service = .webPubSub(connectionString, hub: hub)
        rawTarget = nil
    }

    /// A raw WebSocket server; its URL must be a `ws://` or `wss://` URL.
    public init(raw: RawWebSocket) throws(PubSubError) {
        service = .raw(raw)
        rawTarget = try WebSocketClient.Target(raw.url)
    }

    /// The host connections go to, as written.
    public var host: String {
        switch service {
        case .webPubSub(let connectionString, _): return connectionString.endpoint.host
        case .raw: return rawTarget?.host ?? ""
        }
    }

    /// The port connections go to.
    public var port: Int {
        switch service {
        case .webPubSub(let connectionString, _): return connectionString.endpoint.effectivePort
        case .raw: return rawTarget?.port ?? 0
        }
    }

    /// What a report names: the endpoint's URL (a raw one redacted), and the hub ("-" for a raw server).
    var reportNames: (endpoint: String, hub: String) {
        switch service {
        case .webPubSub(let connectionString, let hub): return (connectionString.endpoint.url, hub)
        case .raw(let raw): return (WebSocketClient.Target.redactedURL(raw.url), "-")
        }
    }

    var raw: RawWebSocket? {
        if case .raw(let raw) = service { return raw }
        return nil
    }

    /// Whether the service is on this machine's loopback (its memory and CPU can be read then).
    public var isLoopback: Bool {
        let host = host.lowercased()
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }

    /// How many source addresses `connections` need: one per 25,000 connections to a loopback
    /// service (the ephemeral port range here is about 28,000 ports per address pair).
    public static func sourceAddressCount(for connections: Int) -> Int {
        max(1, (connections + 24_999) / 25_000)
    }

    /// `127.0.0.1` … `127.0.0.<count>`.
    public static func loopbackAddresses(_ count: Int) -> [String] {
        (1...max(1, min(count, 254))).map { "127.0.0.\($0)" }
    }

    /// Where a connection planned to start in `groups` (a simple client) upgrades.
    func target(groups: [String]) throws(PubSubError) -> WebSocketClient.Target {
        switch service {
        case .webPubSub(let connectionString, let hub):
            return try WebSocketClient.Target(clientURL(connectionString, hub: hub, groups: groups))
        case .raw(let raw):
            guard let rawTarget else { return try WebSocketClient.Target(raw.url) }
            return rawTarget
        }
    }

    /// A client URL whose token lets the connection join and publish to any group, and starts it in
    /// `groups` (how a simple client gets its groups).
    private func clientURL(_ connectionString: ConnectionString, hub: String, groups: [String]) -> String {
        let minter = TokenMinter(connectionString: connectionString)
        let access = minter.clientAccess(
            ClientTokenRequest(
                hub: hub,
                roles: [Role(.joinLeaveGroup, .anyGroup), Role(.sendToGroup, .anyGroup)],
                groups: groups,
                lifetime: .seconds(24 * 3600)
            )
        )
        guard !sourceAddresses.isEmpty, connectionString.endpoint.host.lowercased() == "localhost" else { return access.url }
        // A bound IPv4 source cannot reach ::1: name the IPv4 loopback (the service accepts the
        // token's localhost audience for it).
        return access.url.replacingOccurrences(of: "://localhost:", with: "://127.0.0.1:")
    }

    /// The service's address, resolved once for all connections (`localhost` is its IPv4 loopback,
    /// where the local service listens).
    func resolvedAddress() throws(PubSubError) -> SocketAddress {
        var host = self.host
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.lowercased() == "localhost" { host = "127.0.0.1" }
        do {
            return try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw PubSubError(
                .serviceUnreachable,
                "cannot resolve \(self.host): \(error)",
                hint: raw == nil ? "check the Endpoint of the connection string" : "check the host of --raw-url",
                exitStatus: .unavailable
            )
        }
    }

    /// Opens connection number `index` (which picks its source address). A raw server's connection
    /// then sends its preamble (a subscriber's with `group` filled in) and, when the server answers
    /// subscribers, a subscriber counts as open once a frame has come.
    func open(
        _ kind: BenchProtocol,
        target: WebSocketClient.Target,
        address: SocketAddress,
        index: Int,
        group: String?,
        groupIndex: Int?,
        publisher: Bool,
        counters: BenchCounters,
        registry: LoopStatsRegistry,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<BenchClient> {
        let raw = self.raw
        var options = WebSocketClient.Options(subprotocols: raw?.subprotocols ?? kind.subprotocols)
        options.trust = trust
        options.connectTimeout = connectTimeout
        var source: SocketAddress?
        if !sourceAddresses.isEmpty {
            let address = sourceAddresses[index % sourceAddresses.count]
            do {
                source = try SocketAddress(ipAddress: address, port: 0)
            } catch {
                return eventLoop.makeFailedFuture(
                    PubSubError(.benchBadSourceAddress, "\(address) is not an IP address to connect from", exitStatus: .usage)
                )
            }
        }
        // Future-chained, with no task per connection: a storm's load generator spends its CPU on
        // connections, not on hopping between threads.
        let opened = WebSocketClient.upgradeFuture(target, options: options, address: address, source: source, on: eventLoop) { channel, _ in
            let handler = BenchClientHandler(
                kind: raw == nil ? kind : .simple,
                groupIndex: groupIndex,
                counters: counters,
                registry: registry
            )
            try channel.pipeline.syncOperations.addHandler(handler)
            return BenchClient(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
        }
        .flatMapErrorThrowing { [options] error in throw WebSocketClient.connectFailure(error, target: target, options: options) }
        .flatMapThrowing { upgrade in try WebSocketClient.value(of: upgrade) }
        guard let raw else { return opened }
        return opened.flatMap { client in
            let preamble = publisher ? raw.publisherPreamble : raw.subscriberPreamble
            let firstFrame = raw.awaitsFirstFrame && !publisher ? client.handler.value.awaitFirstFrame() : nil
            for frame in preamble { client.sendRaw(frame.render(group: group ?? "", size: 0), binary: raw.binary) }
            return firstFrame.map { $0.map { client } } ?? client.channel.eventLoop.makeSucceededFuture(client)
        }
    }
}

extension PubSubError.Code {
    public static let benchBadSourceAddress = Self("benchBadSourceAddress")
    public static let benchConnectFailed = Self("benchConnectFailed")
    public static let benchLostMessages = Self("benchLostMessages")
    public static let benchNotSubscribed = Self("benchNotSubscribed")
    public static let benchTooManyFiles = Self("benchTooManyFiles")
}
