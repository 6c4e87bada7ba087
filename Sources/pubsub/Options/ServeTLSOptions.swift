import ArgumentParser
import PubSubCore
import PubSubService

/// `--tls-cert`/`--tls-key`: `serve` and `serve-sse` speak TLS (https://, wss://) on their port.
struct ServeTLSOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("Serve https:// (and wss://) on the port with this PEM certificate chain (leaf first); needs --tls-key.", valueName: "path"),
        completion: .file()
    )
    var tlsCert: String?

    @Option(help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "path"), completion: .file())
    var tlsKey: String?

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together: give both (a PEM certificate chain and its key), or neither")
        }
    }

    /// The loaded certificate and key, or nil without the flags.
    func load() throws(PubSubError) -> ServiceTLS? {
        guard let tlsCert, let tlsKey else { return nil }
        return try ServiceTLS(certificatePath: tlsCert, keyPath: tlsKey)
    }

    /// The schemes the printed addresses use.
    static func schemes(_ tls: ServiceTLS?) -> (http: String, ws: String) {
        tls == nil ? ("http", "ws") : ("https", "wss")
    }
}
