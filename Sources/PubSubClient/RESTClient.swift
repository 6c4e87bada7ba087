import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
public import PubSubCore

/// Where a REST send goes (protocol reference §7.2).
public enum SendTarget: Sendable, Hashable, CustomStringConvertible {
    case hub
    case group(String)
    case user(String)
    case connection(String)

    public var description: String {
        switch self {
        case .hub: return "the hub"
        case .group(let group): return "group \(group)"
        case .user(let user): return "user \(user)"
        case .connection(let id): return "connection \(id)"
        }
    }
}

extension MessageDataType {
    /// The REST body's content type for this type (protobuf goes as bytes).
    public var contentType: String {
        switch self {
        case .text: return "text/plain"
        case .json: return "application/json"
        case .binary, .protobuf: return "application/octet-stream"
        }
    }
}

/// Options of a send.
public struct SendOptions: Sendable {
    /// Connection ids that must not receive it (hub and group sends).
    public var excluded: [String] = []
    /// An OData filter over userId, connectionId and groups (hub, group and user sends).
    public var filter: String?
    /// Drop the message for clients that have not been sent it within this many seconds (1–300).
    public var ttlSeconds: Int?

    public init(excluded: [String] = [], filter: String? = nil, ttlSeconds: Int? = nil) {
        self.excluded = excluded
        self.filter = filter
        self.ttlSeconds = ttlSeconds
    }
}

/// The REST data plane of a Web PubSub service, local or Azure: every request signed with a fresh
/// HS256 token whose `aud` is the full request URL (§3.1), retried with backoff on network errors,
/// 408, 429 and 5xx.
///
/// ```swift
/// let client = RESTClient(connectionString: .localDevelopment, hub: "chat")
/// try await client.send(Array("Hello World".utf8), as: .text, to: .hub)
/// ```
public struct RESTClient: Sendable {
    public let connectionString: ConnectionString
    public let hub: String
    public var apiVersion = "2024-12-01"
    /// Retries after the first attempt.
    public var retries = 3
    /// The first backoff; each retry doubles it, plus up to 25% jitter.
    public var initialBackoff: Duration = .milliseconds(250)
    public var requestTimeout: TimeAmount = .seconds(30)
    /// The roots an https:// endpoint is checked against.
    public var trust: TLSTrust = .system
    private let minter: TokenMinter
    private let logger: Logger

    public init(connectionString: ConnectionString, hub: String, logger: Logger = Logger(label: "pubsub.rest")) {
        self.connectionString = connectionString
        self.hub = hub
        self.minter = TokenMinter(connectionString: connectionString)
        self.logger = logger
    }

    /// Sends one message.
    /// - Throws: ``PubSubError`` with exit status 77 (401/403), 67 (404), 65 (other 4xx),
    ///   70 (5xx after retries) or 69 (unreachable after retries).
    public func send(_ payload: [UInt8], as type: MessageDataType, to target: SendTarget, options: SendOptions = SendOptions()) async throws(PubSubError) {
        var path = "/api/hubs/\(Self.encode(hub))"
        switch target {
        case .hub: path += "/:send"
        case .group(let group): path += "/groups/\(Self.encode(group))/:send"
        case .user(let user): path += "/users/\(Self.encode(user))/:send"
        case .connection(let id): path += "/connections/\(Self.encode(id))/:send"
        }
        var query: [(String, String)] = options.excluded.map { ("excluded", $0) }
        query.append(("api-version", apiVersion))
        if let filter = options.filter { query.append(("filter", filter)) }
        if let ttl = options.ttlSeconds { query.append(("messageTtlSeconds", String(ttl))) }
        try await execute(.POST, path: path, query: query, body: payload, contentType: type.contentType, expecting: 202)
    }

    /// The full URL of a request, as signed into `aud`.
    public func url(path: String, query: [(String, String)]) -> String {
        let queryText = query.map { "\(Self.encodeQuery($0.0))=\(Self.encodeQuery($0.1))" }.joined(separator: "&")
        return connectionString.endpoint.url + path + (queryText.isEmpty ? "" : "?" + queryText)
    }

    /// One REST call, retried; nil for a 404 when `absentIs404` (an existence check's "no").
    /// - Returns: the response body of a 2xx.
    @discardableResult
    func execute(
        _ method: HTTPMethod,
        path: String,
        query: [(String, String)],
        body: [UInt8] = [],
        contentType: String? = nil,
        expecting expected: UInt = 200,
        absentIs404: Bool = false
    ) async throws(PubSubError) -> ByteBuffer? {
        let url = url(path: path, query: query)
        var backoff = initialBackoff
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: url)
            request.method = method
            if trust.caFile != nil { request.tlsConfiguration = trust.configuration }
            request.headers.add(name: "Authorization", value: "Bearer " + minter.restToken(for: url))
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            request.headers.add(name: "User-Agent", value: "pubsub-cli")
            if !body.isEmpty || method == .POST || method == .PUT { request.body = .bytes(ByteBuffer(bytes: body)) }
            let failure: PubSubError
            let retryable: Bool
            do {
                let response = try await Self.httpClient.execute(request, timeout: requestTimeout)
                let status = response.status.code
                // A page of a group's connections is at most 200 entries: far below this.
                let bodyBytes = (try? await response.body.collect(upTo: 4 << 20)) ?? ByteBuffer()
                if status == expected || (200..<300).contains(status) { return bodyBytes }
                if status == 404, absentIs404 { return nil }
                failure = Self.failure(status: status, body: bodyBytes, url: url, connectionString: connectionString)
                retryable = status >= 500 || status == 408 || status == 429
            } catch {
                let endpoint = connectionString.endpoint
                if let untrusted = trust.failure(error, host: endpoint.host, port: endpoint.port ?? (endpoint.scheme == "https" ? 443 : 80)) { throw untrusted }
                failure = PubSubError(
                    .serviceUnreachable,
                    "cannot reach \(connectionString.endpoint.url): \(Self.describe(error))",
                    hint: connectionString.endpoint.host == "localhost"
                        ? "is `pubsub serve` running on that port? Start it, or pass the right --connection-string"
                        : "check the Endpoint of the connection string and the network",
                    exitStatus: .unavailable
                )
                retryable = true
            }
            guard retryable, attempt <= retries else {
                if attempt > 1 {
                    throw PubSubError(failure.code, "\(failure.message) (after \(attempt) attempts)", hint: failure.hint, exitStatus: failure.exitStatus)
                }
                throw failure
            }
            logger.info("retrying", metadata: ["attempt": "\(attempt)", "error": "\(failure.message)"])
            let jitter = Double.random(in: 0...0.25)
            try? await Task.sleep(for: backoff + backoff * jitter)
            backoff *= 2
        }
    }

    /// One HTTP client for the process. Unlike `HTTPClient.shared` it does not keep retrying a refused
    /// connection until the request deadline: `publish` does its own retries, with its own backoff,
    /// and says "connection refused" within a second.
    static let httpClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    static func failure(status: UInt, body: ByteBuffer, url: String, connectionString: ConnectionString) -> PubSubError {
        var detail = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
        if let object = try? JSONValue.parse(Array(body.readableBytesView), what: "error").objectValue,
            let message = object["message"]?.stringValue
        {
            detail = message
        }
        if detail.count > 300 { detail = String(detail.prefix(300)) + "…" }
        let said = detail.isEmpty ? "" : ": \(detail)"
        switch status {
        case 401, 403:
            return PubSubError(
                .serviceRefusedCredentials,
                "the service refused the request (\(status))\(said)",
                hint: "check that the AccessKey in the connection string is current for \(connectionString.endpoint.url)",
                exitStatus: .unauthorized
            )
        case 404:
            return PubSubError(
                .serviceNotFound,
                "the service has no such resource (404) at \(url.split(separator: "?").first ?? "")\(said)",
                hint: "check the Endpoint (including any path) and the hub, group, user or connection name",
                exitStatus: .notFound
            )
        case 400..<500:
            return PubSubError(.serviceRejected, "the service rejected the request (\(status))\(said)", exitStatus: .dataError)
        default:
            return PubSubError(
                .serviceFailedRequest,
                "the service failed the request (\(status))\(said)",
                hint: "the service had an internal error; try again later",
                exitStatus: .serviceError
            )
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") { return "the connection timed out" }
        if text.contains("Connection refused") || text.contains("connectionRefused") { return "connection refused" }
        if text.contains("deadlineExceeded") { return "no answer within the request timeout" }
        return text
    }

    /// Percent-encodes one path segment (`/` included), as the SDKs do.
    static func encode(_ segment: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;:@+=$,&?#")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }

    /// Percent-encodes a query name or value.
    static func encodeQuery(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension PubSubError.Code {
    public static let serviceUnreachable = Self("serviceUnreachable")
    public static let serviceRefusedCredentials = Self("serviceRefusedCredentials")
    public static let serviceNotFound = Self("serviceNotFound")
    public static let serviceRejected = Self("serviceRejected")
    public static let serviceFailedRequest = Self("serviceFailedRequest")
}
