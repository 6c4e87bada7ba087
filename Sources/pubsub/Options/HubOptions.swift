import ArgumentParser
import PubSubCore

/// The hub a command works on: --hub, else PUBSUB_HUB.
struct HubOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The hub name, e.g. chat (env: PUBSUB_HUB).", valueName: "hub"))
    var hub: String?

    mutating func validate() throws {
        if hub == nil { hub = Environment.value(Environment.hub) }
        guard let hub else {
            throw ValidationError("missing --hub (or set PUBSUB_HUB): every connection belongs to one hub")
        }
        do {
            try HubName.validate(hub)
        } catch {
            throw ValidationError(error.hint.map { "\(error.message); \($0)" } ?? error.message)
        }
    }

    /// The validated hub name.
    var name: String { hub ?? "" }
}
