import ArgumentParser
import Foundation
import Logging
import NIOCore
import PubSubCore
import PubSubService
import ServiceLifecycle

struct ServeCommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the local Web PubSub-compatible service.",
        discussion: """
            Serves the WebSocket client endpoint (/client/hubs/<hub>, /client/?hub=<hub>) with the \
            json.webpubsub.azure.v1 and json.reliable.webpubsub.azure.v1 subprotocols and simple \
            WebSocket clients, the REST data plane (/api/hubs/<hub>/…, /api/health), and Server-Sent \
            Events (GET /events?hub=<hub>&group=<group>, POST /publish?hub=<hub>&group=<group>, a \
            demo page at /; see pubsub serve-sse), and the live trace (GET /trace; see pubsub \
            trace). Any number of hubs, named by the path. On start it prints the connection string to use and the \
            client URL pattern; logs go to stderr. SIGINT or SIGTERM shut it down gracefully.

            Without --access-key (or PUBSUB_ACCESS_KEY) it uses the public development key, and \
            then only binds loopback addresses.

            Examples:
              pubsub serve
              pubsub serve --port 0
              PUBSUB_ACCESS_KEY="$(openssl rand -base64 32)" pubsub serve --host 0.0.0.0 --port 8080
            """
    )

    static var defaultLogLevel: Logger.Level { .info }

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "address"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("Port to listen on; 0 picks a free port and prints it.", valueName: "port"))
    var port = 8080

    @Option(
        help: ArgumentHelp(
            "The access key tokens must be signed with (env: PUBSUB_ACCESS_KEY); default: the development key.",
            valueName: "key"
        )
    )
    var accessKey: String?

    @Option(help: ArgumentHelp("Live-trace events that may wait for one slow `pubsub trace` before it misses some.", valueName: "n"))
    var traceBuffer = 10_000

    @Option(help: ArgumentHelp("Live-trace events kept so that a `pubsub trace` that reconnects resumes without a gap; 0 keeps none.", valueName: "n"))
    var traceHistory = 10_000

    @OptionGroup var sse: SSEOptions
    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a port number (0 to 65535)") }
        guard traceBuffer >= 1 else { throw ValidationError("--trace-buffer must be at least 1") }
        guard traceHistory >= 0 else { throw ValidationError("--trace-history must be 0 or more") }
        if accessKey == nil { accessKey = Environment.value(Environment.accessKey) }
        if let accessKey, accessKey.isEmpty { throw ValidationError("--access-key is empty") }
        let configuration = ServiceConfiguration(host: host, port: port, accessKeys: [accessKey ?? ConnectionString.developmentAccessKey])
        if accessKey == nil, !configuration.bindsLoopbackOnly {
            throw ValidationError(
                "refusing to listen on \(host) with the public development key\n"
                    + "Hint: pass --access-key (or set PUBSUB_ACCESS_KEY) to a secret key, or listen on 127.0.0.1"
            )
        }
    }

    func execute() async throws {
        let key = accessKey ?? ConnectionString.developmentAccessKey
        let configuration = ServiceConfiguration(
            host: host,
            port: port,
            accessKeys: [key],
            sseHistoryLimit: sse.history,
            sse: try sse.endpointOptions(),
            traceBufferLimit: traceBuffer,
            traceHistoryLimit: traceHistory
        )
        let logger = Logger(label: "pubsub.hub")
        let customKey = accessKey != nil
        let hub = buildHubService(configuration: configuration, logger: logger) { port in
            let connection = configuration.connectionString(port: port)
            Terminal.output("pubsub serve: listening on http://\(configuration.host):\(port)")
            Terminal.output("Connection string: \(customKey ? connection.description : connection.unredactedString)")
            Terminal.output("Client URL: ws://\(connection.endpoint.host):\(port)/client/hubs/<hub>?access_token=<token>")
            Terminal.output("Server-Sent Events: http://\(connection.endpoint.host):\(port)/events?hub=<hub>&group=<group> (demo page: http://\(connection.endpoint.host):\(port)/)")
        }
        let group = ServiceGroup(
            configuration: .init(services: [hub], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        do {
            try await group.run()
        } catch {
            throw ListenFailure.explain(error, host: host, port: port, what: "the service")
        }
    }
}
