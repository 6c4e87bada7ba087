import ArgumentParser
import Foundation
import PubSubClient
import PubSubCore

/// Who a WebSocket client verb connects as: --hub and --user with a connection string, or a ready
/// --url.
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The hub (env: PUBSUB_HUB); not needed with --url.", valueName: "hub"))
    var hub: String?

    @Option(help: ArgumentHelp("The user id to connect as (minted into the token).", valueName: "user-id"))
    var user: String?

    @Option(help: ArgumentHelp("A ready client access URL instead of a connection string (reused on reconnect).", valueName: "url"))
    var url: String?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var tls: TLSOptions

    mutating func validate() throws {
        if hub == nil { hub = Environment.value(Environment.hub) }
        if url == nil {
            guard let hub else { throw ValidationError("missing --hub (or set PUBSUB_HUB, or pass --url)") }
            do { try HubName.validate(hub) } catch { throw ValidationError(error.message) }
        } else if connection.connectionString != nil || connection.connectionStringFile != nil {
            throw ValidationError("give --url or a connection string, not both")
        } else if user != nil {
            throw ValidationError("--user needs a connection string to mint the token; a --url already names its user")
        }
    }

    /// The credential, and the hub (from --url's path when not given).
    func credential(quiet: Bool) throws(PubSubError) -> (ClientCredential, hub: String) {
        if let url {
            let fromPath = URLComponents(string: url)?.path.split(separator: "/").last.map(String.init)
            return (.url(url), hub ?? fromPath ?? "")
        }
        return (.connectionString(try connection.resolve(quiet: quiet), userId: user), hub ?? "")
    }
}
