import Foundation

/// The HTTP(S) endpoint of a Web PubSub service, as named by a connection string's `Endpoint` (and
/// `Port`).
///
/// REST calls use it with the host's case as written; client URLs and client token audiences use
/// it lower-cased, as Microsoft's SDKs do (protocol reference §3.2).
public struct ServiceEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https` (lower-case).
    public let scheme: String
    /// The host as written (an IPv6 literal keeps its brackets).
    public let host: String
    /// The explicit port, if the endpoint or the connection string's `Port` named one.
    public let port: Int?
    /// The path prefix, empty or starting with `/`, never ending with `/` (reverse proxies use one).
    public let path: String

    /// Parses an `http://` or `https://` URL with a host and no query or fragment.
    /// - Throws: ``PubSubError`` `connectionStringInvalidEndpoint`.
    public init(parsing text: String) throws(PubSubError) {
        let invalid = { (why: String) in
            PubSubError(
                .connectionStringInvalidEndpoint,
                "connection string Endpoint \"\(text)\" is not a usable URL: \(why)",
                hint: "write it as https://<resource>.webpubsub.azure.com or http://localhost:8080",
                exitStatus: .dataError
            )
        }
        guard let components = URLComponents(string: text), let rawScheme = components.scheme else {
            throw invalid("it does not start with http:// or https://")
        }
        let scheme = rawScheme.lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw invalid("the scheme is \"\(rawScheme)\", expected http or https")
        }
        guard let host = components.percentEncodedHost, !host.isEmpty else {
            throw invalid("it has no host name")
        }
        guard components.query == nil, components.fragment == nil else {
            throw invalid("it has a query or fragment; the endpoint is only scheme, host, port and path")
        }
        guard components.user == nil, components.password == nil else {
            throw invalid("it contains a user name or password")
        }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        self.scheme = scheme
        self.host = host
        self.port = components.port
        self.path = path
    }

    /// Creates an endpoint from its parts.
    public init(scheme: String, host: String, port: Int?, path: String = "") {
        self.scheme = scheme.lowercased()
        self.host = host
        self.port = port
        var path = path
        while path.hasSuffix("/") { path.removeLast() }
        self.path = path
    }

    /// The endpoint with another port.
    public func with(port: Int?) -> ServiceEndpoint {
        ServiceEndpoint(scheme: scheme, host: host, port: port, path: path)
    }

    /// `scheme://host[:port][path]`, host case as written: the base of REST URLs and their `aud`.
    public var url: String {
        let portPart = port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(portPart)\(path)"
    }

    /// The port a client actually connects to: the explicit one, or the scheme's default.
    public var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }

    /// Whether the endpoint uses TLS.
    public var isSecure: Bool { scheme == "https" }

    public var description: String { url }
}
