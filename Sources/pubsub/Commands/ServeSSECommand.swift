import ArgumentParser
import Foundation
import Logging
import NIOCore
import PubSubClient
import PubSubGateway
import PubSubCore
import PubSubService
import ServiceLifecycle

struct ServeSSECommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-sse",
        abstract: "Run a Server-Sent Events gateway in front of a hub (local or Azure).",
        discussion: """
            Keeps one reliable client connection to the hub (joined to every --group, and to any \
            other group when its first authorised reader asks for it, left again --group-linger \
            after its last reader; at most --max-groups such groups) and streams its messages to \
            browsers and plain HTTP clients: GET /events?group=<g> (server-wide \
            messages always included), resuming after Last-Event-ID (or last_event_id=) from a \
            history of --history events per stream; when the history cannot cover the gap, an \
            explicit "loss" event comes first and X-PubSub-Replay-From says where replay starts. \
            POST /publish?group=<g> relays its body to the hub over REST. A demo page is at /.

            Readers present a client access token for the hub (access_token= or Authorization: \
            Bearer), minted from the same connection string: they may read the groups their roles \
            let them join (webpubsub.joinLeaveGroup[.<g>]) and those the token starts in. \
            --public-group groups need no token.

            Examples:
              pubsub serve-sse --hub chat --group orders --port 8090
              pubsub serve-sse --hub chat --group news --public-group news --allow-origin '*'
              curl -N "http://127.0.0.1:8090/events?group=orders&access_token=$(pubsub token --hub chat --role webpubsub.joinLeaveGroup.orders --output token -q)"
            """
    )

    static var defaultLogLevel: Logger.Level { .info }

    @OptionGroup var hubOptions: HubOptions

    @Option(help: ArgumentHelp("A group to carry (joined upstream); repeatable.", valueName: "group"))
    var group: [String] = []

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "address"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Port to listen on; 0 picks a free port and prints it.", valueName: "port"))
    var port = 8090

    @OptionGroup var sse: SSEOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var tls: TLSOptions
    @OptionGroup(title: "TLS") var serveTLS: ServeTLSOptions
    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a port number (0 to 65535)") }
        for name in group {
            if let problem = GroupName.problem(with: name) { throw ValidationError("--group \"\(name)\": \(problem)") }
        }
    }

    func execute() async throws {
        let connectionString = try connection.resolve(quiet: global.quiet)
        let logger = Logger(label: "pubsub.sse")
        var settings = SSEGatewayServer.Settings(hub: hubOptions.name, groups: group, host: host, port: port)
        settings.historyLimit = sse.history
        settings.historyByteLimit = try sse.historyByteLimit()
        settings.options = try sse.endpointOptions()
        settings.trust = try tls.trust()
        settings.tls = try serveTLS.load()
        let http = ServeTLSOptions.schemes(settings.tls).http
        let host = self.host
        let quiet = global.quiet
        // Refuses a non-loopback address with the development key before anything connects.
        let server = try SSEGatewayServer(
            connectionString: connectionString,
            settings: settings,
            logger: logger,
            say: { line in if !quiet { Terminal.diagnostic("pubsub serve-sse: " + line) } },
            onListening: { port in
                Terminal.output("pubsub serve-sse: listening on \(http)://\(host):\(port)")
                Terminal.output("Events: \(http)://\(host):\(port)/events?group=<group>&access_token=<token>")
                Terminal.output("Demo page: \(http)://\(host):\(port)/")
            }
        )
        let services = ServiceGroup(
            configuration: .init(services: [.init(service: server)], gracefulShutdownSignals: [.sigterm], logger: logger)
        )
        do {
            try await Interrupts.run(services)
        } catch {
            throw ListenFailure.explain(error, host: host, port: port, what: "the gateway")
        }
    }
}
