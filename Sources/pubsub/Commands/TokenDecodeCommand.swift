import ArgumentParser
import Foundation
import PubSubCore

struct TokenDecodeCommand: PubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Show a token's header and claims, and whether and when it expires; --verify checks it.",
        discussion: """
            Takes a token, a client access URL (its access_token is read), or - for standard input. \
            Without --verify it only decodes: the signature is not checked. With --verify it checks \
            the signature against the connection string's AccessKey, the algorithm (HS256 only), \
            exp/nbf (one minute of clock skew) and aud, and exits 77 with the reason when any fails.

            aud must name the URL given, or the client URL of --hub, or --audience, or else any URL \
            on the connection string's endpoint; the comparison ignores the scheme, the query and \
            letter case, as the service does.

            Examples:
              pubsub token decode eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ…
              pubsub token --hub chat | pubsub token decode - --verify
              pubsub token decode "$TOKEN" --verify --hub chat --connection-string "$WebPubSubConnectionString"
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: ArgumentHelp("A token, a client URL with ?access_token=, or - to read standard input.", valueName: "token-or-url"))
    var input: String

    @Flag(help: "Check signature, algorithm, expiry and audience with the connection string's AccessKey.")
    var verify = false

    @Option(help: ArgumentHelp("With --verify: the hub whose client URL aud must name.", valueName: "hub"))
    var hub: String?

    @Option(help: ArgumentHelp("With --verify: the URL aud must name (a REST request URL, say).", valueName: "url"))
    var audience: String?

    @Option(name: .long, help: "What to print: text or json.")
    var output: OutputFormat = .text

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        if let hub {
            do { try HubName.validate(hub) } catch { throw ValidationError(error.message) }
        }
        if !verify, hub != nil || audience != nil {
            throw ValidationError("--hub and --audience only apply with --verify")
        }
        if hub != nil, audience != nil {
            throw ValidationError("give --hub or --audience, not both")
        }
    }

    func execute() throws {
        let text = input == "-" ? Terminal.readStandardInput().trimmingCharacters(in: .whitespacesAndNewlines) : input
        let (compact, sourceURL) = try Self.extractToken(from: text)
        let token = try DecodedToken(parsing: compact)
        let now = Date()
        var verification: Result<String, PubSubError>?
        if verify {
            let connectionString = try connection.resolve(quiet: global.quiet)
            let expectation = expectedAudience(endpoint: connectionString.endpoint, sourceURL: sourceURL)
            do {
                try TokenVerifier(accessKeys: [connectionString.accessKey]).verify(token, audience: expectation, now: now)
                verification = .success(
                    "valid: HS256 signature matches the AccessKey of \(connectionString.endpoint.url), "
                        + "aud names \(expectation.expectedDescription), not expired"
                )
            } catch {
                verification = .failure(error)
            }
        }
        switch output {
        case .text: Terminal.output(Self.describe(token, verification: verification, now: now))
        case .json: Terminal.output(Self.document(token, verification: verification, now: now))
        }
        if case .failure(let error) = verification { throw error }
    }

    private func expectedAudience(endpoint: ServiceEndpoint, sourceURL: URLComponents?) -> AudienceExpectation {
        if let audience { return .resource(audience) }
        if let hub {
            return .resource(endpoint.url.lowercased() + ClientProtocol.default.pathPrefix + hub)
        }
        if var sourceURL {
            sourceURL.query = nil
            if let base = sourceURL.string { return .resource(base) }
        }
        return .service(endpoint)
    }

    /// The token itself, and the URL it came from when a client URL was given.
    static func extractToken(from text: String) throws(PubSubError) -> (String, URLComponents?) {
        let lowered = text.lowercased()
        guard ["ws://", "wss://", "http://", "https://"].contains(where: lowered.hasPrefix) else {
            return (text, nil)
        }
        guard let components = URLComponents(string: text),
            let token = components.queryItems?.first(where: { $0.name == "access_token" })?.value, !token.isEmpty
        else {
            throw PubSubError(
                .tokenMalformed,
                "the URL has no access_token query parameter",
                hint: "pass a client access URL from `pubsub token`, or the token itself",
                exitStatus: .dataError
            )
        }
        return (token, components)
    }

    static func describe(_ token: DecodedToken, verification: Result<String, PubSubError>?, now: Date) -> String {
        let nowSeconds = Int64(now.timeIntervalSince1970.rounded(.down))
        func indented(_ value: JSONValue) -> String {
            value.prettyJSONString().split(separator: "\n").map { "  \($0)" }.joined(separator: "\n")
        }
        var lines = ["Header:", indented(.object(token.header)), "Claims:", indented(.object(token.claims))]
        func row(_ name: String, _ value: String) { lines.append(name.padding(toLength: 11, withPad: " ", startingAt: 0) + value) }
        row("User:", token.subject ?? "anonymous (no sub claim)")
        row("Roles:", token.roles.isEmpty ? "none (may only send events)" : token.roles.joined(separator: ", "))
        if !token.groups.isEmpty { row("Groups:", token.groups.joined(separator: ", ") + " (joined on connect)") }
        row("Audience:", token.audiences.isEmpty ? "none" : token.audiences.joined(separator: ", "))
        if let iat = token.issuedAt { row("Issued:", "\(TokenTime.iso8601(iat)) (\(TokenTime.relative(iat, now: nowSeconds)))") }
        if let nbf = token.notBefore { row("Not before:", "\(TokenTime.iso8601(nbf)) (\(TokenTime.relative(nbf, now: nowSeconds)))") }
        if let exp = token.expiresAt {
            let state = exp < nowSeconds ? "EXPIRED" : "expires"
            row("Expires:", "\(TokenTime.iso8601(exp)) (\(state) \(TokenTime.relative(exp, now: nowSeconds)))")
        } else {
            row("Expires:", "never (no exp claim: the service refuses such tokens)")
        }
        switch verification {
        case nil: row("Signature:", "not checked (add --verify to check it with the connection string's AccessKey)")
        case .success(let summary)?: row("Verified:", summary)
        case .failure(let error)?: row("Verified:", "NO: \(error.message)")
        }
        return lines.joined(separator: "\n")
    }

    static func document(_ token: DecodedToken, verification: Result<String, PubSubError>?, now: Date) -> String {
        let nowSeconds = Int64(now.timeIntervalSince1970.rounded(.down))
        var members: [(String, JSONValue)] = [("header", .object(token.header)), ("claims", .object(token.claims))]
        if let iat = token.issuedAt { members.append(("issuedAt", .string(TokenTime.iso8601(iat)))) }
        if let exp = token.expiresAt {
            members.append(("expiresAt", .string(TokenTime.iso8601(exp))))
            members.append(("expired", .bool(exp < nowSeconds)))
        }
        switch verification {
        case nil: members.append(("verified", .null))
        case .success?: members.append(("verified", .bool(true)))
        case .failure(let error)?:
            members.append(("verified", .bool(false)))
            members.append(("error", .object(["code": .string(error.code.rawValue), "message": .string(error.message)])))
        }
        return JSONValue.render(orderedObject: members)
    }
}
