import ArgumentParser
import PubSubCore
import PubSubService

/// The bounds `pubsub serve` holds peers to (docs/compatibility.md lists each with Azure's value).
struct LimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Time a new connection has to send its whole first request (the WebSocket upgrade or an HTTP request head); then 408.", valueName: "duration"), transform: DurationArgument.parse)
    var handshakeTimeout = DurationArgument(.seconds(10), "10s")

    @Option(help: ArgumentHelp("Time an HTTP connection may idle between requests, or stall inside one, before it is closed.", valueName: "duration"), transform: DurationArgument.parse)
    var httpIdleTimeout = DurationArgument(.seconds(60), "60s")

    @Option(help: ArgumentHelp("Client WebSocket connections held at once; more are refused with 503.", valueName: "n"))
    var maxConnections = 50_000

    @Option(help: ArgumentHelp("Connections one user (the token's sub) may hold in a hub; more are refused with 429.", valueName: "n"))
    var maxConnectionsPerUser = 1000

    @Option(help: ArgumentHelp("Groups one connection may be in; a join past it is refused.", valueName: "n"))
    var maxGroupsPerConnection = 1000

    @Option(help: ArgumentHelp("Connections waiting to be accepted (the listen backlog); default: the system's limit (net.core.somaxconn).", valueName: "n"))
    var listenBacklog: Int?

    @Option(help: ArgumentHelp("Bytes waiting to be sent to one connection before it is closed as too slow (e.g. 16MB).", valueName: "size"))
    var outboundQueueBytes = "16MB"

    func validate() throws {
        _ = try timeouts()
        _ = try outboundBytes()
        for (name, value) in [("--max-connections", maxConnections), ("--max-connections-per-user", maxConnectionsPerUser), ("--max-groups-per-connection", maxGroupsPerConnection)] {
            guard (1...10_000_000).contains(value) else { throw ValidationError("\(name) \(value) is out of range: 1 to 10000000") }
        }
        if let listenBacklog, !(1...65535).contains(listenBacklog) {
            throw ValidationError("--listen-backlog \(listenBacklog) is out of range: 1 to 65535")
        }
    }

    func timeouts() throws -> (handshake: Duration, httpIdle: Duration) {
        let handshake = handshakeTimeout.duration
        let idle = httpIdleTimeout.duration
        guard handshake >= .milliseconds(100) else { throw ValidationError("--handshake-timeout \(handshakeTimeout) is too short (at least 100ms)") }
        guard idle >= .milliseconds(100) else { throw ValidationError("--http-idle-timeout \(httpIdleTimeout) is too short (at least 100ms)") }
        return (handshake, idle)
    }

    func outboundBytes() throws -> Int {
        do {
            let bytes = try ByteSizeText.parse(outboundQueueBytes, option: "--outbound-queue-bytes")
            guard bytes >= 64 << 10 else { throw ValidationError("--outbound-queue-bytes \(outboundQueueBytes) is too small (at least 64KB)") }
            return bytes
        } catch let error as PubSubError {
            throw ValidationError(error.message)
        }
    }

    /// Applies the limits to a configuration.
    func apply(to configuration: inout ServiceConfiguration) throws {
        let (handshake, idle) = try timeouts()
        configuration.handshakeTimeout = handshake
        configuration.httpIdleTimeout = idle
        configuration.maxConnections = maxConnections
        configuration.maxConnectionsPerUser = maxConnectionsPerUser
        configuration.maxGroupsPerConnection = maxGroupsPerConnection
        configuration.outboundQueueByteLimit = try outboundBytes()
        configuration.listenBacklog = listenBacklog
    }
}
