import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
public import PubSubCore

/// Which live-trace events to ask the service for. Within one dimension any value matches; across
/// dimensions all must.
public struct TraceFilter: Sendable {
    public var hubs: [String] = []
    public var groups: [String] = []
    public var users: [String] = []
    public var connections: [String] = []
    /// Kind names (``TraceKind``); empty: every kind but `deliver`.
    public var kinds: [TraceKind] = []
    /// Payloads cut at this many bytes; nil: no payloads.
    public var payloadLimit: Int?

    public init() {}

    /// The `GET /trace` query.
    var query: [(String, String)] {
        hubs.map { ("hub", $0) } + groups.map { ("group", $0) } + users.map { ("user", $0) }
            + connections.map { ("connection", $0) } + kinds.map { ("kind", $0.rawValue) }
            + (payloadLimit.map { [("payload", String($0))] } ?? [])
    }
}

/// Reads the live trace of a local service (`GET /trace`, Server-Sent Events): mints a trace token
/// from the connection string, and when the stream drops, reconnects by itself and resumes after the
/// last event it got (the service replays what it still holds, or sends a `missed` record).
///
/// ```swift
/// let client = TraceClient(connectionString: .localDevelopment, filter: TraceFilter())
/// try await client.run { event in
///     if case .record(_, let json) = event { print(json) }
///     return true  // keep going
/// }
/// ```
public struct TraceClient: Sendable {
    /// What the trace stream reports.
    public enum Event: Sendable {
        /// One trace record: its id and its JSON text, as the service sent it.
        case record(id: UInt64?, json: String)
        /// The stream is open (again, when `resumed`).
        case opened(resumed: Bool)
        /// The stream ended; the client reconnects after `delay`.
        case reconnecting(reason: String, delay: Duration)
    }

    public let connectionString: ConnectionString
    public var filter: TraceFilter
    public var trust: TLSTrust = .system
    public var logger: Logger
    /// The longest wait between reconnection attempts.
    public var maxBackoff: Duration = .seconds(5)

    public init(connectionString: ConnectionString, filter: TraceFilter, logger: Logger = Logger(label: "pubsub.trace")) {
        self.connectionString = connectionString
        self.filter = filter
        self.logger = logger
    }

    /// Streams events to `handle` until it returns false, the task is cancelled, or a failure that
    /// retrying cannot fix (refused credentials, an endpoint without live trace). The first
    /// connection must succeed; later drops are retried with backoff, indefinitely.
    public func run(_ handle: @Sendable (Event) async -> Bool) async throws(PubSubError) {
        if let unsupported = Self.unsupported(connectionString.endpoint) { throw unsupported }
        let minter = TokenMinter(connectionString: connectionString)
        let url = RESTClient(connectionString: connectionString, hub: "").url(path: "/trace", query: filter.query)
        let endpoint = connectionString.endpoint
        var lastId: UInt64?
        var opened = false
        var backoff = Duration.milliseconds(250)
        while !Task.isCancelled {
            var request = HTTPClientRequest(url: url)
            if trust.caFile != nil { request.tlsConfiguration = trust.configuration }
            request.headers.add(name: "Authorization", value: "Bearer " + minter.traceToken())
            request.headers.add(name: "Accept", value: "text/event-stream")
            request.headers.add(name: "User-Agent", value: "pubsub-cli")
            if let lastId { request.headers.add(name: "Last-Event-ID", value: String(lastId)) }
            let reason: String
            do {
                let response = try await RESTClient.httpClient.execute(request, deadline: .distantFuture)
                guard response.status == .ok else {
                    let body = (try? await response.body.collect(upTo: 64 * 1024)) ?? ByteBuffer()
                    let failure = Self.failure(status: response.status.code, body: body, url: url, connectionString: connectionString)
                    // A server error after the stream once worked is worth retrying; nothing else is.
                    guard opened, failure.exitStatus == .serviceError else { throw failure }
                    throw RetryableEnd(reason: failure.message)
                }
                guard await handle(.opened(resumed: opened)) else { return }
                opened = true
                backoff = .milliseconds(250)
                var parser = SSEParser()
                for try await chunk in response.body {
                    for event in parser.feed(chunk.readableBytesView) {
                        let id = event.id.flatMap(UInt64.init)
                        if let id { lastId = id }
                        guard await handle(.record(id: id, json: event.data)) else { return }
                    }
                }
                throw RetryableEnd(reason: "the service ended the stream")
            } catch let failure as PubSubError {
                throw failure
            } catch {
                if Task.isCancelled { return }
                if let untrusted = trust.failure(error, host: endpoint.host, port: endpoint.effectivePort) { throw untrusted }
                let described = (error as? RetryableEnd)?.reason ?? RESTClient.describe(error)
                guard opened else {
                    throw PubSubError(
                        .serviceUnreachable,
                        "cannot reach \(endpoint.url): \(described)",
                        hint: endpoint.host == "localhost"
                            ? "is `pubsub serve` running on that port? Start it, or pass the right --connection-string"
                            : "check the Endpoint of the connection string and the network",
                        exitStatus: .unavailable
                    )
                }
                logger.debug("trace stream ended", metadata: ["error": "\(error)"])
                reason = described
            }
            guard await handle(.reconnecting(reason: reason, delay: backoff)) else { return }
            do { try await Task.sleep(for: backoff) } catch { return }
            backoff = min(backoff * 2, maxBackoff)
        }
    }

    private struct RetryableEnd: Error {
        let reason: String
    }

    /// Why `endpoint` has no live trace to read, when that is known before asking: Azure's live
    /// trace is a portal tool, not this protocol.
    public static func unsupported(_ endpoint: ServiceEndpoint) -> PubSubError? {
        let host = endpoint.host.lowercased()
        let azure = [".webpubsub.azure.com", ".webpubsub.azure.cn", ".webpubsub.azure.us"]
        guard azure.contains(where: host.hasSuffix) else { return nil }
        return PubSubError(
            .liveTraceUnsupported,
            "\(endpoint.host) is an Azure Web PubSub resource: `pubsub trace` needs the local service (`pubsub serve`)",
            hint: "Azure's own live trace is in the portal (your resource → Live trace settings → Open Live Trace Tool); "
                + "to trace here, run your app against `pubsub serve`",
            exitStatus: .unsupported
        )
    }

    static func failure(status: UInt, body: ByteBuffer, url: String, connectionString: ConnectionString) -> PubSubError {
        guard status == 404 || status == 405 else {
            return RESTClient.failure(status: status, body: body, url: url, connectionString: connectionString)
        }
        return PubSubError(
            .liveTraceUnsupported,
            "\(connectionString.endpoint.url) has no live trace (GET /trace answered \(status)): `pubsub trace` needs the local service",
            hint: "point the connection string at `pubsub serve`",
            exitStatus: .unsupported
        )
    }
}

extension PubSubError.Code {
    public static let liveTraceUnsupported = Self("liveTraceUnsupported")
}
