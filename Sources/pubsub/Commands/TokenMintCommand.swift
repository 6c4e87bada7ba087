import ArgumentParser
import PubSubCore

struct TokenMintCommand: PubSubSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "mint",
        abstract: "Mint a client access URL and token (the default of `pubsub token`).",
        discussion: """
            The URL and token are what Microsoft's SDKs mint (get_client_access_token): the service, \
            local or Azure, accepts them. Output is the URL by default; --output token prints only \
            the token, --output json prints url, baseUrl, token, claims and expiresAt.

            Examples:
              pubsub token --hub chat
              pubsub token --hub chat --user alice --role webpubsub.joinLeaveGroup --role webpubsub.sendToGroups.room.* --expires 90s
              pubsub token --hub chat --group lobby --output json
              WebPubSubConnectionString="Endpoint=https://contoso.webpubsub.azure.com;AccessKey=…;Version=1.0;" pubsub token --hub chat
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case url, token, json
    }

    enum ProtocolChoice: String, ExpressibleByArgument, CaseIterable {
        case `default`, mqtt, socketio

        var clientProtocol: ClientProtocol {
            switch self {
            case .default: return .default
            case .mqtt: return .mqtt
            case .socketio: return .socketio
            }
        }
    }

    @OptionGroup var hubOptions: HubOptions
    @OptionGroup var connection: ConnectionOptions

    @Option(help: ArgumentHelp("The user id (the token's sub claim); omit for an anonymous connection.", valueName: "user-id"))
    var user: String?

    @Option(
        help: ArgumentHelp(
            "A role to grant; repeatable. webpubsub.joinLeaveGroup, webpubsub.sendToGroup, their .<group> forms, "
                + "or webpubsub.joinLeaveGroups.<pattern> / webpubsub.sendToGroups.<pattern>.",
            valueName: "role"
        )
    )
    var role: [String] = []

    @Option(help: ArgumentHelp("A group the connection joins when it opens; repeatable.", valueName: "group"))
    var group: [String] = []

    @Option(help: ArgumentHelp("How long the token is valid: 90s, 60m, 2h, 1d, 1h30m.", valueName: "duration"), transform: DurationArgument.parse)
    var expires = DurationArgument(.seconds(3600), "60m")

    @Option(help: "The kind of client: default, mqtt or socketio (changes the URL path and aud).")
    var clientProtocol: ProtocolChoice = .default

    @Option(name: .long, help: "What to print: url, token or json.")
    var output: OutputFormat = .url

    @OptionGroup var global: GlobalOptions

    mutating func validate() throws {
        do {
            _ = try request()
        } catch {
            throw ValidationError(error.hint.map { "\(error.message)\nHint: \($0)" } ?? error.message)
        }
        if let user, user.isEmpty {
            throw ValidationError("--user is empty; omit it for an anonymous connection")
        }
    }

    /// The token request the flags describe.
    private func request() throws(PubSubError) -> ClientTokenRequest {
        let roles = try role.map { text throws(PubSubError) in try Role(parsing: text) }
        for name in group { try GroupName.validate(name) }
        let lifetime = expires.duration
        guard lifetime >= .seconds(1) else {
            throw PubSubError(
                .invalidDuration,
                "--expires \"\(expires)\" is shorter than one second; tokens carry whole seconds",
                exitStatus: .usage
            )
        }
        return ClientTokenRequest(
            hub: hubOptions.name,
            userId: user,
            roles: roles,
            groups: group,
            lifetime: lifetime,
            clientProtocol: clientProtocol.clientProtocol
        )
    }

    func execute() throws {
        let request = try request()
        let connectionString = try connection.resolve(quiet: global.quiet)
        let access = TokenMinter(connectionString: connectionString).clientAccess(request)
        switch output {
        case .url:
            Terminal.output(access.url)
        case .token:
            Terminal.output(access.token)
        case .json:
            let document: [(String, JSONValue)] = [
                ("url", .string(access.url)),
                ("baseUrl", .string(access.baseURL)),
                ("token", .string(access.token)),
                ("claims", .object(access.claims)),
                ("expiresAt", .string(TokenTime.iso8601(access.expiresAt))),
            ]
            Terminal.output(JSONValue.render(orderedObject: document))
        }
    }
}
