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
            client URL pattern; logs go to stderr. SIGINT or SIGTERM shut it down gracefully; a second \
            SIGINT stops it at once (exit 130).

            Without --access-key (or PUBSUB_ACCESS_KEY) it uses the public development key, and \
            then only binds loopback addresses.

            Event handlers put the app's own server in the loop, as in Azure: --event-handler \
            'HUB=URL_TEMPLATE [user=*|NAME,…] [system=connect,connected,disconnected]' sends the \
            hub's events as CloudEvents to the URL ({hub} and {event} are filled in). user= names \
            the user events it takes (default *: all; message is what simple WebSocket clients \
            send), system= the system events (default none; connect decides who may connect). \
            HUB * applies to every hub without its own. Before first use the handler must pass \
            Azure's abuse-protection check: answer OPTIONS with WebHook-Allowed-Origin: * (or \
            this service's host:port).

            Examples:
              pubsub serve
              pubsub serve --port 0
              PUBSUB_ACCESS_KEY="$(openssl rand -base64 32)" pubsub serve --host 0.0.0.0 --port 8080
              pubsub serve --event-handler 'chat=http://localhost:3000/eventhandler/{event} system=connect,connected,disconnected'
              pubsub serve --event-handler-config handlers.json
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

    @Option(
        help: ArgumentHelp(
            "Seconds between the WebSocket pings sent to every client (Azure's webSocketKeepAliveIntervalInSeconds, 1 to 120); a client that misses a pong is closed.",
            valueName: "seconds"
        )
    )
    var keepaliveInterval = 20

    @Option(help: ArgumentHelp("Live-trace events that may wait for one slow `pubsub trace` before it misses some.", valueName: "n"))
    var traceBuffer = 10_000

    @Option(help: ArgumentHelp("Live-trace events kept so that a `pubsub trace` that reconnects resumes without a gap; 0 keeps none.", valueName: "n"))
    var traceHistory = 10_000

    @Option(
        name: .customLong("event-handler"),
        help: ArgumentHelp(
            "An event handler: 'HUB=URL_TEMPLATE [user=*|NAME,…] [system=connect,connected,disconnected]'; repeat for more.",
            valueName: "spec"
        )
    )
    var eventHandlerSpecs: [String] = []

    @Option(
        help: ArgumentHelp(
            #"A JSON file of event handlers: {"hubs":{"chat":{"eventHandlers":[{"urlTemplate":…,"userEventPattern":"*","systemEvents":["connect"]}]}}}."#,
            valueName: "path"
        ),
        completion: .file(extensions: ["json"])
    )
    var eventHandlerConfig: String?

    @Option(help: ArgumentHelp("How long connect and user events wait for their handler's answer (e.g. 10s, 500ms).", valueName: "duration"), transform: DurationArgument.parse)
    var eventHandlerTimeout = DurationArgument(.seconds(10), "10s")

    @OptionGroup(title: "TLS") var tls: ServeTLSOptions
    @OptionGroup(title: "Limits") var limits: LimitOptions
    @OptionGroup var sse: SSEOptions
    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a port number (0 to 65535)") }
        guard (1...120).contains(keepaliveInterval) else {
            throw ValidationError("--keepalive-interval \(keepaliveInterval) is out of range: 1 to 120 seconds, as in Azure")
        }
        guard traceBuffer >= 1 else { throw ValidationError("--trace-buffer must be at least 1") }
        guard traceHistory >= 0 else { throw ValidationError("--trace-history must be 0 or more") }
        if accessKey == nil { accessKey = Environment.value(Environment.accessKey) }
        if let accessKey, accessKey.isEmpty { throw ValidationError("--access-key is empty") }
        do {
            for spec in eventHandlerSpecs { _ = try EventHandlerSettings.parse(spec: spec) }
        } catch {
            throw ValidationError(error.description)
        }
        // The service refuses this too when it starts; checked here as well so that it is a usage
        // error before anything else happens.
        let configuration = ServiceConfiguration(host: host, port: port, accessKeys: [accessKey ?? ConnectionString.developmentAccessKey])
        do {
            try configuration.checkDevelopmentKey()
        } catch {
            throw ValidationError(error.message + (error.hint.map { "\nHint: \($0)" } ?? ""))
        }
    }

    func execute() async throws {
        let key = accessKey ?? ConnectionString.developmentAccessKey
        var configuration = ServiceConfiguration(
            host: host,
            port: port,
            accessKeys: [key],
            pingInterval: .seconds(keepaliveInterval),
            sseHistoryLimit: sse.history,
            sse: try sse.endpointOptions(),
            traceBufferLimit: traceBuffer,
            traceHistoryLimit: traceHistory,
            eventHandlers: try eventHandlers(),
            eventHandlerTimeout: eventHandlerTimeout.duration
        )
        configuration.sseHistoryByteLimit = try sse.historyByteLimit()
        configuration.tls = try tls.load()
        try limits.apply(to: &configuration)
        let settings = configuration
        let logger = Logger(label: "pubsub.hub")
        let customKey = accessKey != nil
        let files = OpenFilesLimit.raisedToMaximum()
        let quiet = global.quiet
        let hub = buildHubService(configuration: settings, logger: logger) { port in
            let configuration = settings
            let connection = configuration.connectionString(port: port)
            let (http, ws) = ServeTLSOptions.schemes(configuration.tls)
            Terminal.output("pubsub serve: listening on \(http)://\(configuration.host):\(port)")
            Terminal.output("Connection string: \(customKey ? connection.description : connection.unredactedString)")
            Terminal.output("Client URL: \(ws)://\(connection.endpoint.host):\(port)/client/hubs/<hub>?access_token=<token>")
            Terminal.output("Server-Sent Events: \(http)://\(connection.endpoint.host):\(port)/events?hub=<hub>&group=<group> (demo page: \(http)://\(connection.endpoint.host):\(port)/)")
            for (hub, handlers) in configuration.eventHandlers.hubs.sorted(by: { $0.key < $1.key }) {
                for handler in handlers {
                    let system = handler.systemEvents.map(\.rawValue).sorted().joined(separator: ",")
                    Terminal.output(
                        "Event handler: hub \(hub) → \(URLRedaction.redacted(handler.urlTemplate)) "
                            + "(user events: \(handler.userEvents.text.isEmpty ? "none" : handler.userEvents.text); system events: \(system.isEmpty ? "none" : system))"
                    )
                }
            }
            if !configuration.eventHandlers.isEmpty {
                Terminal.output("Event handlers must allow the origin \(connection.endpoint.host):\(port) (WebHook-Allowed-Origin)")
            }
            if let files {
                Self.reportOpenFiles(files, maxConnections: configuration.maxConnections, quiet: quiet)
            }
        }
        let group = ServiceGroup(
            configuration: .init(services: [hub], gracefulShutdownSignals: [.sigterm], logger: logger)
        )
        do {
            try await Interrupts.run(group)
        } catch {
            throw ListenFailure.explain(error, host: host, port: port, what: "the service")
        }
    }

    /// Descriptors the service needs besides one per client: listening sockets, event loops,
    /// stdio, event handler and REST connections.
    static let spareOpenFiles = 256

    /// Prints the open-files limit (raised to the hard limit at start) and warns when it cannot
    /// hold --max-connections clients: past it, accepting pauses until descriptors free up.
    static func reportOpenFiles(_ files: OpenFilesLimit, maxConnections: Int, quiet: Bool) {
        let raised = files.raisedFrom.map { " (raised from \($0))" } ?? ""
        Terminal.output("Open files: limit \(files.current)\(raised)")
        let needed = maxConnections.addingReportingOverflow(spareOpenFiles)
        guard !quiet, !needed.overflow, files.current < needed.partialValue else { return }
        Terminal.diagnostic(
            "Warning: the open-files limit (\(files.current)) is below the \(needed.partialValue) that --max-connections \(maxConnections) "
                + "needs (one per client, \(spareOpenFiles) to spare); past it new connections wait until others close."
        )
        let hard = files.current < files.maximum ? "" : " (it is the hard limit already: going above needs privileges)"
        Terminal.diagnostic("Hint: \(OpenFilesLimit.howToRaise)\(hard), or lower --max-connections.")
    }

    /// The handlers of --event-handler-config, then those of each --event-handler.
    private func eventHandlers() throws(PubSubError) -> EventHandlerSettings {
        var settings = EventHandlerSettings()
        if let path = eventHandlerConfig {
            let data = try InputFile.contents(
                of: path,
                what: "the event handler file",
                code: .eventHandlerInvalid,
                hint: "check the path given to --event-handler-config"
            )
            settings = try EventHandlerSettings.parse(json: data, source: path)
        }
        for spec in eventHandlerSpecs {
            let (hub, handler) = try EventHandlerSettings.parse(spec: spec)
            settings.add(handler, hub: hub)
        }
        return settings
    }
}
