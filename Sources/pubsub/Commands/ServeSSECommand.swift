import ArgumentParser
import Foundation
import Logging
import NIOCore
import PubSubClient
import PubSubCore
import PubSubService
import ServiceLifecycle

struct ServeSSECommand: AsyncPubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-sse",
        abstract: "Run a Server-Sent Events gateway in front of a hub (local or Azure).",
        discussion: """
            Keeps one reliable client connection to the hub (joined to every --group) and streams \
            its messages to browsers and plain HTTP clients: GET /events?group=<g> (server-wide \
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
    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a port number (0 to 65535)") }
        for name in group {
            if let problem = GroupName.problem(with: name) { throw ValidationError("--group \"\(name)\": \(problem)") }
        }
        for name in sse.publicGroup where !group.contains(name) {
            throw ValidationError("--public-group \(name) is not carried: add --group \(name)")
        }
    }

    func execute() async throws {
        let connectionString = try connection.resolve(quiet: global.quiet)
        let hub = hubOptions.name
        let logger = Logger(label: "pubsub.sse")
        var rest = RESTClient(connectionString: connectionString, hub: hub, logger: logger)
        rest.trust = try tls.trust()
        let restClient = rest
        let gateway = SSEGateway(
            hub: hub,
            groups: Set(group),
            upstream: connectionString.endpoint,
            accessKeys: [connectionString.accessKey],
            historyLimit: sse.history,
            historyByteLimit: try sse.historyByteLimit(),
            options: try sse.endpointOptions(),
            relay: { _, stream, body, type in
                let target: SendTarget
                switch stream {
                case .server: target = .hub
                case .group(let group): target = .group(group)
                }
                try await restClient.send(body, as: PayloadType(rawValue: type.rawValue) ?? .binary, to: target)
            },
            logger: logger
        )
        var subscriber = Subscriber(
            hub: hub,
            groups: group,
            credential: .connectionString(connectionString, userId: nil),
            protocolKind: .reliable,
            logger: logger
        )
        subscriber.trust = try tls.trust()
        // The HTTP side starts once the upstream joined its groups: a gateway that cannot reach its
        // hub says so and exits instead of serving streams that would stay empty.
        let (upstreamReady, signalReady) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let upstream = Upstream(subscriber: subscriber, gateway: gateway, quiet: global.quiet, ready: signalReady)
        let host = self.host
        // Refuses a non-loopback address with the development key before anything connects.
        let application = try gateway.application(host: host, port: port) { port in
            Terminal.output("pubsub serve-sse: listening on http://\(host):\(port)")
            Terminal.output("Events: http://\(host):\(port)/events?group=<group>&access_token=<token>")
            Terminal.output("Demo page: http://\(host):\(port)/")
        }
        let http = AfterReady(ready: upstreamReady, service: application)
        let services = ServiceGroup(
            configuration: .init(
                services: [.init(service: http), .init(service: upstream)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await services.run()
        } catch {
            throw ListenFailure.explain(error, host: host, port: port, what: "the gateway")
        }
    }

    /// Runs `service` once `ready` yields; ends quietly if cancelled before.
    struct AfterReady<Wrapped: Service>: Service {
        let ready: AsyncStream<Void>
        let service: Wrapped

        func run() async throws {
            var iterator = ready.makeAsyncIterator()
            guard await iterator.next() != nil, !Task.isCancelled else { return }
            try await service.run()
        }
    }

    /// The one reliable upstream connection: its messages feed the gateway, its gaps become loss
    /// events, its lifecycle goes to stderr.
    struct Upstream: Service {
        let subscriber: Subscriber
        let gateway: SSEGateway
        let quiet: Bool
        let ready: AsyncStream<Void>.Continuation

        func run() async throws {
            let say: @Sendable (String) -> Void = { line in if !quiet { Terminal.diagnostic("pubsub serve-sse: " + line) } }
            try await cancelWhenGracefulShutdown { try await run(say) }
        }

        private func run(_ say: @escaping @Sendable (String) -> Void) async throws {
            try await subscriber.run { event in
                switch event {
                case .message(let message):
                    gateway.deliver(message.data, to: message.group.map(SSEStream.group) ?? .server)
                case .connected(let id, _):
                    say("upstream connected (connection \(id ?? "?"))")
                case .ready(let id, let groups):
                    ready.yield()
                    say("upstream ready (connection \(id ?? "?"); groups: \(groups.isEmpty ? "none" : groups.joined(separator: ", ")))")
                case .disconnected(let reason):
                    say("upstream disconnected: \(reason)")
                case .recovered(let id):
                    say("upstream recovered (connection \(id)); nothing was lost")
                case .reconnected(let id):
                    say("upstream reconnected with a new connection \(id ?? "?")")
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
