import ArgumentParser
import Foundation
import Logging
import PubSubBench
import PubSubClient
import PubSubCore

/// Options every bench scenario takes.
struct BenchOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The hub to use (env: PUBSUB_HUB).", valueName: "hub"))
    var hub: String?

    @Option(help: "Result: table or json.")
    var format: BenchFormat = .table

    @Option(help: ArgumentHelp("Connections opened at once.", valueName: "n"))
    var concurrency = 100

    @Option(
        help: ArgumentHelp(
            "Spread connections over this many source addresses 127.0.0.1… (loopback services; default: one per 25,000 connections).",
            valueName: "n"
        )
    )
    var sourceAddresses: Int?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup(title: "Another broker") var raw: RawWebSocketOptions
    @OptionGroup var tls: TLSOptions
    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        if hub == nil { hub = Environment.value(Environment.hub) ?? "bench" }
        do { try HubName.validate(hub ?? "") } catch { throw ValidationError("--hub: \(error.message)") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        if let sourceAddresses, !(1...254).contains(sourceAddresses) {
            throw ValidationError("--source-addresses must be from 1 to 254")
        }
    }

    /// The endpoint, with its source addresses chosen for `connections`.
    func endpoint(connections: Int) throws -> BenchEndpoint {
        try ensureFileDescriptors(connections)
        var endpoint: BenchEndpoint
        if let raw = try raw.rawWebSocket() {
            endpoint = try BenchEndpoint(raw: raw)
        } else {
            endpoint = BenchEndpoint(connectionString: try connection.resolve(quiet: global.quiet), hub: hub ?? "bench")
        }
        endpoint.trust = try tls.trust()
        if endpoint.isLoopback {
            let count = sourceAddresses ?? BenchEndpoint.sourceAddressCount(for: connections)
            if count > 1 { endpoint.sourceAddresses = BenchEndpoint.loopbackAddresses(count) }
        }
        return endpoint
    }

    /// The local service's process, when the endpoint is on this machine.
    func probe(_ endpoint: BenchEndpoint) -> ServiceProbe? {
        endpoint.isLoopback ? ServiceProbe.listening(on: endpoint.port) : nil
    }

    func progress() -> @Sendable (String) -> Void {
        let quiet = global.quiet
        return { line in if !quiet { Terminal.diagnostic("pubsub bench: \(line)") } }
    }

    /// Prints the report; a run that lost or duplicated deliveries exits 70.
    func finish(_ report: BenchReport) throws {
        Terminal.output(format == .json ? report.json() : report.table())
        guard report.isLossless else {
            throw PubSubError(
                .benchLostMessages,
                "deliveries went wrong: \(report.lost ?? 0) lost, \(report.duplicated ?? 0) duplicated, \(report.misrouted ?? 0) misrouted",
                hint: (report.closedByService ?? 0) > 0
                    ? "the service closed \(report.closedByService ?? 0) subscribers (too slow for it?): lower --rate or the subscriber count"
                    : nil,
                exitStatus: .serviceError
            )
        }
    }
}

enum BenchFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

extension BenchProtocol: ExpressibleByArgument {}
extension PublishVia: ExpressibleByArgument {}
