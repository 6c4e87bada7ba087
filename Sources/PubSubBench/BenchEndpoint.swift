import Foundation
import NIOCore
import NIOPosix
import PubSubClient
import PubSubCore

/// Where a bench connects, and how: the service, the hub, TLS trust, and the local addresses to
/// connect from.
public struct BenchEndpoint: Sendable {
    public var connectionString: ConnectionString
    public var hub: String
    public var trust: TLSTrust = .system
    /// Loopback addresses (`127.0.0.x`) to spread connections over, round-robin; empty: one, chosen
    /// by the system. Each source address has its own ~28,000 ephemeral ports towards the service.
    public var sourceAddresses: [String] = []
    public var connectTimeout: Duration = .seconds(10)

    public init(connectionString: ConnectionString, hub: String) {
        self.connectionString = connectionString
        self.hub = hub
    }

    /// Whether the service is on this machine's loopback (its memory and CPU can be read then).
    public var isLoopback: Bool {
        let host = connectionString.endpoint.host.lowercased()
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

    /// A client URL whose token lets the connection join and publish to any group, and starts it in
    /// `groups` (how a simple client gets its groups).
    func clientURL(groups: [String] = []) -> String {
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
        let endpoint = connectionString.endpoint
        let host = endpoint.host.lowercased() == "localhost" ? "127.0.0.1" : endpoint.host
        do {
            return try SocketAddress.makeAddressResolvingHost(host, port: endpoint.effectivePort)
        } catch {
            throw PubSubError(
                .serviceUnreachable,
                "cannot resolve \(endpoint.host): \(error)",
                hint: "check the Endpoint of the connection string",
                exitStatus: .unavailable
            )
        }
    }

    /// Opens connection number `index` (which picks its source address).
    func open(
        _ kind: BenchProtocol,
        target: WebSocketClient.Target,
        address: SocketAddress,
        index: Int,
        groupIndex: Int?,
        counters: BenchCounters,
        registry: LoopStatsRegistry,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<BenchClient> {
        var options = WebSocketClient.Options(subprotocols: kind.subprotocols)
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
        return WebSocketClient.upgradeFuture(target, options: options, address: address, source: source, on: eventLoop) { channel, _ in
            let handler = BenchClientHandler(kind: kind, groupIndex: groupIndex, counters: counters, registry: registry)
            try channel.pipeline.syncOperations.addHandler(handler)
            return BenchClient(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
        }
        .flatMapErrorThrowing { [options] error in throw WebSocketClient.connectFailure(error, target: target, options: options) }
        .flatMapThrowing { upgrade in try WebSocketClient.value(of: upgrade) }
    }
}

extension PubSubError.Code {
    public static let benchBadSourceAddress = Self("benchBadSourceAddress")
    public static let benchConnectFailed = Self("benchConnectFailed")
    public static let benchLostMessages = Self("benchLostMessages")
    public static let benchTooManyFiles = Self("benchTooManyFiles")
}
