import ArgumentParser
import PubSubClient
import PubSubCore

/// `--ca-file`: extra CA certificates to trust for https:// and wss:// endpoints.
struct TLSOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("Also trust the CA certificates in this PEM file (a private CA or a local TLS proxy).", valueName: "path"),
        completion: .file()
    )
    var caFile: String?

    func trust() throws(PubSubError) -> TLSTrust {
        try TLSTrust(caFile: caFile)
    }
}
