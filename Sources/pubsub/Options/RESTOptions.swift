import ArgumentParser
import Logging
import PubSubClient
import PubSubCore

/// What every management verb takes: the hub, the connection string and TLS trust, as `publish`.
struct RESTOptions: ParsableArguments {
    @OptionGroup var hubOptions: HubOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var tls: TLSOptions

    /// The hub's REST client, signed from the resolved connection string.
    func client(quiet: Bool) throws(PubSubError) -> RESTClient {
        var client = RESTClient(connectionString: try connection.resolve(quiet: quiet), hub: hubOptions.name, logger: Logger(label: "pubsub.cli"))
        client.trust = try tls.trust()
        return client
    }
}

/// `--format` of a verb that prints data.
enum DataFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Validates group names given on the command line.
enum ManagedNames {
    static func checkGroups(_ groups: [String], option: String = "group") throws {
        for group in groups {
            if let problem = GroupName.problem(with: group) { throw ValidationError("\(option) \"\(group)\": \(problem)") }
        }
    }
}
