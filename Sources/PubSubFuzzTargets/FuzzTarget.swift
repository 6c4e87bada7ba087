import Foundation
import NIOCore
import PubSubBenchWire
import PubSubCore

/// The parsers that read bytes from a socket, a token, a file or the command line, each as one
/// libFuzzer entry point: `run` must return for every input, whatever it is, without trapping,
/// recursing without bound or holding more than the parser's documented limits.
///
/// `pubsub-fuzz` runs them under libFuzzer (`scripts/fuzz.sh`); the test suite replays the seed
/// corpus and every input a fuzzer ever crashed on (`Fuzz/regressions/<target>/`) through the
/// same functions, so a fixed crash stays fixed.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// A client's WebSocket frame on the JSON subprotocols (§5.2), and where its `data` lies in it
    /// (``JSONSpan``, which publishes JSON as written).
    case clientMessage = "client-message"
    /// The REST API's OData `filter` parameter (§7.3), parsed and evaluated.
    case filter
    /// An access token as text: decoded, then verified.
    case token
    /// Token claims as JSON, signed with the fuzzer's own key so that verification reaches the
    /// claim checks (`exp`, `nbf`, `aud`, roles, groups) a forged signature never would.
    case tokenClaims = "token-claims"
    /// A connection string (`--connection-string`, the environment, a file).
    case connectionString = "connection-string"
    /// `pubsub serve --event-handler` specs and `--event-handler-file` JSON.
    case eventHandlers = "event-handlers"
    /// Command-line durations (`--timeout 1h30m`).
    case duration
    /// A Server-Sent Events stream as the client reads it, split into arbitrary chunks.
    case sseParser = "sse-parser"
    /// Role strings from tokens and `--role` (`webpubsub.joinLeaveGroup.a*`), and group names.
    case role
    /// A `connect` event handler's 200 answer (§8.4): user, groups, roles, subprotocol.
    case connectAnswer = "connect-answer"
    /// A WebSocket upgrade request's target, query and headers, as admission reads them (§3.2,
    /// §4): hub, subprotocols, recovery, token (query or bearer), roles and groups, simple-client
    /// mode. See ``admission(_:)`` for the input's form.
    case admission
    /// The REST API's query parameters and `:addToGroups` body (§7.2): api-version, TTL, filter,
    /// `:generateToken` parameters, paging, permission targets.
    case restQuery = "rest-query"
    /// What `pubsub bench` reads from any server's frames (the payloads it times, found in frames
    /// that batch several or cut one in two) and its raw frame templates (`--subscriber-preamble`).
    case benchWire = "bench-wire"

    /// Runs one input.
    package func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .clientMessage:
            if (try? ClientMessage.decode(bytes)) != nil, let span = JSONSpan.member("data", in: bytes) {
                // The span lies inside the frame and is a value a parser takes.
                precondition(span.lowerBound >= 0 && span.upperBound <= bytes.count, "span outside the frame")
                _ = try? JSONValue.parse(Array(bytes[span]), what: "data")
            }
            _ = JSONSpan.member("data", in: bytes)
        case .filter:
            Self.filter(String(decoding: bytes, as: UTF8.self))
        case .token:
            Self.token(String(decoding: bytes, as: UTF8.self))
        case .tokenClaims:
            Self.tokenClaims(Data(bytes))
        case .connectionString:
            if let parsed = try? ConnectionString(parsing: String(decoding: bytes, as: UTF8.self)) {
                _ = parsed.endpoint.url
            }
            _ = ConnectionString.redacted(String(decoding: bytes, as: UTF8.self))
        case .eventHandlers:
            Self.eventHandlers(bytes)
        case .duration:
            // And the other small text the process reads: /proc's CPU list.
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? DurationText.parse(text, option: "--fuzz")
            _ = CPUList.count(Substring(text))
            _ = CPUList.allowedCount(status: text)
        case .sseParser:
            Self.sse(bytes)
        case .role:
            let text = String(decoding: bytes, as: UTF8.self)
            if let role = try? Role(parsing: text) {
                _ = role.grants(.joinLeaveGroup, on: "group-1")
                // Group names are at most 1024 characters (the service checks them before roles).
                _ = role.grants(.sendToGroup, on: String(text.prefix(1024)))
            }
            _ = GroupName.problem(with: text)
            _ = try? HubName.validate(text)
        case .connectAnswer:
            if let answer = try? ConnectAnswer(json: bytes) {
                _ = answer.roles.map { $0.grants(.sendToGroup, on: "g") }
            }
        case .admission:
            Self.admission(String(decoding: bytes, as: UTF8.self))
        case .restQuery:
            Self.restQuery(bytes)
        case .benchWire:
            Self.benchWire(bytes)
        }
    }

    /// A query string as the HTTP server hands it over: `&`-separated `name=value` pairs,
    /// percent-decoded. In the service Hummingbird's `URI` does this (a library's parser, not
    /// fuzzed here); this stands in for it so that every pair reaches our reading of it.
    static func query(_ text: Substring) -> RequestQuery {
        RequestQuery(
            text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decoded(_ part: Substring) -> String {
                    let plain = part.replacingOccurrences(of: "+", with: " ")
                    return plain.removingPercentEncoding ?? plain
                }
                return (name: decoded(parts[0]), value: parts.count > 1 ? decoded(parts[1]) : "")
            }
        )
    }

    /// The input is a request head in miniature: the first line is the target (`/client/hubs/chat?…`),
    /// the others `name: value` headers (`host`, `sec-websocket-protocol` (repeatable),
    /// `authorization`), and a `claims: {…}` line is signed with the target's key and sent as
    /// `access_token`, so that admission gets past verification to the roles, groups and mode.
    private static func admission(_ text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
        guard let target = lines.next() else { return }
        let pathEnd = target.firstIndex(of: "?") ?? target.endIndex
        var query = Self.query(pathEnd < target.endIndex ? target[target.index(after: pathEnd)...] : "")
        var authority: String?
        var subprotocols: [String] = []
        var authorization: String?
        while let line = lines.next() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].trimmingWhitespace()
            switch parts[0].lowercased() {
            case "host": authority = value
            case "sec-websocket-protocol": subprotocols.append(value)
            case "authorization": authorization = value
            case "claims": query = RequestQuery(query.pairs + [(name: "access_token", value: signed(Data(value.utf8)))])
            default: break
            }
        }
        let request = ClientUpgradeRequest(
            path: String(target[..<pathEnd]),
            query: query,
            authority: authority,
            subprotocolFields: subprotocols,
            authorization: authorization
        )
        let admitted = ClientAdmission.admit(request, authorizer: authorizer, audience: { _, _ in .any }, maxGroups: 1000)
        if case .success(let admission) = admitted.flatMap(\.checked) {
            _ = admission.responseSubprotocol
            _ = admission.roles.map { $0.grants(.joinLeaveGroup, on: admission.groups.first ?? "g") }
        }
    }

    /// The input is a query string, then optionally a NUL byte and an `:addToGroups` body.
    private static func restQuery(_ bytes: UnsafeRawBufferPointer) {
        let split = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let parameters = RESTParameters(Self.query(Substring(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<split]), as: UTF8.self)))
        try? parameters.checkAPIVersion()
        _ = try? parameters.messageTTL()
        if let filter = try? parameters.filter() {
            for subject in subjects { _ = filter.matches(subject) }
        }
        _ = parameters.excluded
        _ = parameters.closeReason
        _ = try? parameters.permissionTarget()
        if let asked = try? parameters.tokenRequest() {
            // What :generateToken then mints: the lifetime must not overflow.
            _ = TokenMinter(connectionString: fuzzConnectionString).clientAccess(
                ClientTokenRequest(
                    hub: "chat",
                    userId: asked.userId,
                    roles: asked.roles,
                    groups: asked.groups,
                    lifetime: .seconds(asked.minutes * 60),
                    clientProtocol: asked.clientProtocol
                )
            )
        }
        if let page = try? parameters.page() {
            for count in [0, 1, 250, Int.max] { _ = page.range(in: count) }
        }
        if split < bytes.endIndex, let change = try? RESTParameters.groupsChange(UnsafeRawBufferPointer(rebasing: bytes[(split + 1)...])) {
            if let filter = change.filter {
                for subject in subjects { _ = filter.matches(subject) }
            }
        }
    }

    /// The first byte picks the form: odd, the rest is a frame template, parsed and rendered;
    /// even, the rest is a stream of frames of `first / 2 % 31 + 1` bytes, scanned in order.
    private static func benchWire(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return }
        let rest = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
        if first & 1 == 1 {
            if let template = try? FrameTemplate(String(decoding: rest, as: UTF8.self)) {
                _ = template.render(group: "group-1", size: 64)
            }
            return
        }
        let chunk = Int(first / 2 % 31) + 1
        var scanner = PayloadScanner()
        var found: [BenchPayload] = []
        var index = 0
        while index < rest.count {
            let end = min(rest.count, index + chunk)
            _ = scanner.feed(ByteBuffer(bytes: rest[index..<end])) { found.append($0) }
            precondition(scanner.carried <= BenchPayload.carryLimit, "carried more than the limit")
            index = end
        }
        // Whole, the stream holds every payload the frames gave, in order, and perhaps more (one
        // whose start was longer than the carry limit is dropped at a cut).
        var whole: [BenchPayload] = []
        _ = BenchPayload.scan(ByteBuffer(bytes: rest).readableBytesView) { whole.append($0); return true }
        precondition(found.count <= whole.count, "frames gave payloads the stream does not hold")
    }

    private static let subjects = [
        ConnectionFilter.Subject(connectionId: "c1", userId: "u1", groups: ["g1", "g2"]),
        ConnectionFilter.Subject(connectionId: "c2", userId: nil, groups: []),
    ]

    private static func filter(_ text: String) {
        guard let filter = try? ConnectionFilter(parsing: text) else { return }
        for subject in subjects { _ = filter.matches(subject) }
    }

    /// The key the claims target signs with, and the audience its tokens are checked against.
    private static let key = "ZnV6ei1rZXktZm9yLWNsYWltcy10YXJnZXQtb25seQ=="
    private static let verifier = TokenVerifier(accessKeys: [key])
    private static let authorizer = Authorizer(verifier: verifier)
    private static let fuzzConnectionString = ConnectionString(
        endpoint: ServiceEndpoint(scheme: "http", host: "localhost", port: 8080),
        accessKey: key
    )
    private static let audience = AudienceExpectation.resource("http://localhost:8080/client/hubs/chat")

    private static func token(_ text: String) {
        guard let decoded = try? DecodedToken(parsing: text) else { return }
        describe(decoded)
        try? verifier.verify(decoded, audience: audience)
    }

    private static func tokenClaims(_ claims: Data) {
        token(signed(claims))
    }

    /// A token with these claims, signed with the target's key.
    private static func signed(_ claims: Data) -> String {
        let header = Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let input = header + "." + Base64URL.encode(claims)
        let signature = HS256Key(accessKey: key).signature(for: Data(input.utf8))
        return input + "." + Base64URL.encode(signature)
    }

    /// What `pubsub token decode` and the service read of a token.
    private static func describe(_ token: DecodedToken) {
        _ = token.subject
        _ = token.roles.compactMap { try? Role(parsing: $0) }
        _ = token.groups.map(GroupName.problem(with:))
        _ = token.audiences
        let now = Int64(Date().timeIntervalSince1970)
        for time in [token.issuedAt, token.expiresAt, token.notBefore].compactMap({ $0 }) {
            _ = TokenTime.iso8601(time)
            _ = TokenTime.relative(time, now: now)
        }
    }

    private static func eventHandlers(_ bytes: UnsafeRawBufferPointer) {
        // The first byte picks the form: a flag's spec, or a settings file.
        guard let form = bytes.first else { return }
        let rest = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
        if form & 1 == 0 {
            guard let (hub, handler) = try? EventHandlerSettings.parse(spec: String(decoding: rest, as: UTF8.self)) else { return }
            _ = handler.url(hub: hub, event: "connect")
        } else {
            guard let settings = try? EventHandlerSettings.parse(json: Data(rest), source: "fuzz.json") else { return }
            _ = settings.handler(hub: "chat", userEvent: "message")
            _ = settings.handler(hub: "chat", systemEvent: .connect)
        }
    }

    private static func sse(_ bytes: UnsafeRawBufferPointer) {
        // The first byte sets the chunk size, so that lines and CR LF pairs split across reads.
        guard let first = bytes.first else { return }
        let chunk = Int(first % 17) + 1
        var parser = SSEParser(maxEventBytes: 4096)
        var index = 1
        while index < bytes.count {
            let end = min(bytes.count, index + chunk)
            _ = parser.feed(UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
            index = end
        }
    }
}
