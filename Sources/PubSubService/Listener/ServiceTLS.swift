import NIOCore
import NIOSSL
import PubSubCore

/// `pubsub serve --tls-cert … --tls-key …`: the certificate chain and key every connection's TLS
/// handshake uses, checked when loaded (readable PEM, a key that belongs to the certificate), so
/// that a mistake is an error at start, never a failure of each client's handshake.
public struct ServiceTLS: Sendable {
    let context: NIOSSLContext
    /// What `context` was made from, for a server that builds its own (Hummingbird's, in serve-sse).
    let configuration: TLSConfiguration

    /// Loads the PEM certificate chain (leaf first) and its private key.
    /// - Throws: ``PubSubError`` (exit 65) naming the file that cannot be read or parsed, or saying
    ///   that the key does not belong to the certificate.
    public init(certificatePath: String, keyPath: String) throws(PubSubError) {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw Self.problem("cannot read a PEM certificate from --tls-cert \"\(certificatePath)\" (\(error))")
        }
        guard !chain.isEmpty else { throw Self.problem("--tls-cert \"\(certificatePath)\" holds no PEM certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw Self.problem("cannot read a PEM private key from --tls-key \"\(keyPath)\" (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        self.configuration = configuration
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            // BoringSSL refuses a key whose public half is not the certificate's.
            throw Self.problem("the key in --tls-key \"\(keyPath)\" does not belong to the certificate in --tls-cert \"\(certificatePath)\" (\(error))")
        }
    }

    private static func problem(_ message: String) -> PubSubError {
        PubSubError(
            .invalidTLSFiles,
            message,
            hint: "give the PEM certificate chain (leaf first) with --tls-cert and its PEM private key with --tls-key",
            exitStatus: .dataError
        )
    }

    /// The handlers a connection starts with: a plain-HTTP request gets a readable 400, anything
    /// else goes to TLS.
    func handlers() -> [any ChannelHandler] {
        [PlaintextOnTLSPortHandler(), NIOSSLServerHandler(context: context)]
    }
}

extension PubSubError.Code {
    /// `--tls-cert`/`--tls-key` cannot be read, or do not belong together.
    public static let invalidTLSFiles = PubSubError.Code("invalidTLSFiles")
}
