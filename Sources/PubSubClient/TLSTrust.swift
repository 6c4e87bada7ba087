public import NIOSSL
public import PubSubCore

/// Which TLS servers the clients trust: the system's roots, plus the CA certificates of an optional
/// PEM file (`--ca-file`), for a service behind a private CA or a local TLS proxy.
public struct TLSTrust: Sendable {
    /// The client configuration: full verification (chain and host name or IP address).
    public let configuration: TLSConfiguration
    /// Where the extra roots came from, for messages.
    public let caFile: String?

    public static let system = TLSTrust(configuration: .makeClientConfiguration(), caFile: nil)

    private init(configuration: TLSConfiguration, caFile: String?) {
        self.configuration = configuration
        self.caFile = caFile
    }

    /// - Throws: ``PubSubError`` (65) when the file cannot be read or holds no PEM certificate.
    public init(caFile: String?) throws(PubSubError) {
        guard let caFile else {
            self = .system
            return
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(caFile)
        } catch {
            throw PubSubError(
                .unreadableCAFile,
                "cannot load CA certificates from \"\(caFile)\": \(error)",
                hint: "give a readable PEM file of one or more CA certificates (-----BEGIN CERTIFICATE-----)",
                exitStatus: .dataError
            )
        }
        guard !certificates.isEmpty else {
            throw PubSubError(
                .unreadableCAFile,
                "\"\(caFile)\" holds no PEM certificate",
                hint: "give a PEM file of one or more CA certificates (-----BEGIN CERTIFICATE-----)",
                exitStatus: .dataError
            )
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.additionalTrustRoots = [.certificates(certificates)]
        self.init(configuration: configuration, caFile: caFile)
    }

    /// A clear error for a TLS failure (an untrusted or mismatched certificate), which retrying
    /// cannot fix; nil for any other error.
    func failure(_ error: any Error, host: String, port: Int) -> PubSubError? {
        let detail: String
        switch error {
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            detail = "its certificate is not valid for \(host)"
        case let error as NIOSSLError:
            guard case .handshakeFailed(let cause) = error else { return nil }
            let text = "\(cause)"
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                detail = "its certificate is not signed by a trusted CA"
            } else if let reason = text.firstRange(of: "OPENSSL_internal:").map({ text[$0.upperBound...].prefix { $0 != " " } }) {
                detail = "the TLS handshake failed (\(reason))"
            } else {
                detail = "the TLS handshake failed (\(text))"
            }
        default:
            return nil
        }
        return PubSubError(
            .tlsUntrusted,
            "cannot trust \(host):\(port): \(detail)",
            hint: caFile == nil
                ? "if the service uses a private CA, pass its certificate with --ca-file PATH"
                : "check that \(caFile ?? "") holds the CA that signed the service's certificate and that the certificate names \(host)",
            exitStatus: .unavailable
        )
    }
}

extension PubSubError.Code {
    public static let unreadableCAFile = Self("unreadableCAFile")
    public static let tlsUntrusted = Self("tlsUntrusted")
}
