/// A Web PubSub connection string: `Endpoint=…;AccessKey=…;Version=1.0;` with an optional `Port=`.
///
/// Parsing follows the protocol reference §2: segments are separated by `;` (empty ones are
/// skipped), each is split at its **first** `=` (so the `=` padding of a base64 key survives), keys
/// are case-insensitive, keys and values are trimmed. Stricter than the Python SDK on purpose:
/// duplicate and unknown keys are refused with a message that names them, because a silently
/// ignored typo (`Acesskey=`) costs users far more time than an error.
///
/// ```swift
/// let connection = try ConnectionString(parsing: "Endpoint=https://contoso.webpubsub.azure.com;AccessKey=…;Version=1.0;")
/// connection.endpoint.url   // "https://contoso.webpubsub.azure.com"
/// ```
///
/// The access key never appears in a message or in ``description``.
public struct ConnectionString: Sendable, Hashable, CustomStringConvertible {
    /// Where REST calls and client connections go (with `Port` applied).
    public let endpoint: ServiceEndpoint
    /// The access key exactly as written; HMAC keys are its UTF-8 bytes, not its base64 decoding.
    public let accessKey: String
    /// The `Version` value, if present. Read and otherwise ignored, as every SDK does.
    public let version: String?

    /// The keys a connection string may contain, lower-cased.
    public static let knownKeys = ["endpoint", "accesskey", "port", "version"]

    /// Creates a connection string from its parts.
    public init(endpoint: ServiceEndpoint, accessKey: String, version: String? = "1.0") {
        self.endpoint = endpoint
        self.accessKey = accessKey
        self.version = version
    }

    /// Parses a connection string.
    /// - Throws: ``PubSubError`` with one of the `connectionString…` codes and exit status 65.
    public init(parsing text: String) throws(PubSubError) {
        let redacted = Self.redacted(text)
        func failure(_ code: PubSubError.Code, _ message: String, hint: String) -> PubSubError {
            PubSubError(code, message, hint: hint, exitStatus: .dataError)
        }
        let portalHint = "copy it from the Keys page of the Web PubSub resource in the Azure portal, or set WebPubSubConnectionString"

        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else {
            throw failure(.connectionStringEmpty, "the connection string is empty", hint: portalHint)
        }

        var values: [String: String] = [:]
        for rawSegment in trimmed.split(separator: ";", omittingEmptySubsequences: false) {
            let segment = rawSegment.trimmingWhitespace()
            if segment.isEmpty { continue }
            guard let equals = segment.firstIndex(of: "=") else {
                throw failure(
                    .connectionStringMalformedSegment,
                    "connection string segment \"\(PubSubError.redact(segment))\" has no '=' (got \"\(redacted)\")",
                    hint: "each part is Name=Value, separated by ';', e.g. Endpoint=https://…;AccessKey=…;Version=1.0;"
                )
            }
            let key = segment[..<equals].trimmingWhitespace()
            let value = segment[segment.index(after: equals)...].trimmingWhitespace()
            let lowered = key.lowercased()
            guard Self.knownKeys.contains(lowered) else {
                throw failure(
                    .connectionStringUnknownKey,
                    "connection string has an unknown key \"\(key)\" (got \"\(redacted)\")",
                    hint: "the keys are Endpoint, AccessKey, Port and Version; check the spelling"
                )
            }
            guard values[lowered] == nil else {
                throw failure(
                    .connectionStringDuplicateKey,
                    "connection string names \"\(key)\" twice (got \"\(redacted)\")",
                    hint: "keep one \(key)= segment"
                )
            }
            values[lowered] = value
        }
        guard !values.isEmpty else {
            throw failure(.connectionStringEmpty, "the connection string is empty (only separators)", hint: portalHint)
        }

        guard let endpointText = values["endpoint"], !endpointText.isEmpty else {
            throw failure(
                .connectionStringMissingEndpoint,
                "connection string has no Endpoint= (got \"\(redacted)\")",
                hint: portalHint
            )
        }
        guard let accessKey = values["accesskey"], !accessKey.isEmpty else {
            throw failure(
                .connectionStringMissingAccessKey,
                "connection string has no AccessKey= (got \"\(redacted)\")",
                hint: portalHint
            )
        }
        var endpoint = try ServiceEndpoint(parsing: endpointText)
        if let portText = values["port"] {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw failure(
                    .connectionStringInvalidPort,
                    "connection string Port \"\(portText)\" is not a port number between 1 and 65535",
                    hint: "write Port=8080, or put the port in the Endpoint (http://localhost:8080)"
                )
            }
            if let existing = endpoint.port, existing != port {
                throw failure(
                    .connectionStringInvalidPort,
                    "connection string names two ports: \(existing) in Endpoint and \(port) in Port",
                    hint: "keep one of them"
                )
            }
            endpoint = endpoint.with(port: port)
        }
        self.init(endpoint: endpoint, accessKey: accessKey, version: values["version"])
    }

    /// The connection string with the access key redacted; safe to print.
    public var description: String {
        var text = "Endpoint=\(endpoint.url);AccessKey=\(PubSubError.redact(accessKey));"
        if let version { text += "Version=\(version);" }
        return text
    }

    /// The full connection string, key included, in the form every SDK accepts. Print it only where
    /// showing the key is the point (the local service telling its users what to connect with).
    public var unredactedString: String {
        "Endpoint=\(endpoint.url);AccessKey=\(accessKey);Version=\(version ?? "1.0");"
    }

    /// A connection string's text with every AccessKey value, and every segment that has no `=`
    /// (which may be a pasted key), shortened to four characters.
    public static func redacted(_ text: String) -> String {
        text.split(separator: ";", omittingEmptySubsequences: false).map { segment -> String in
            guard let equals = segment.firstIndex(of: "=") else {
                return segment.trimmingWhitespace().isEmpty ? String(segment) : PubSubError.redact(segment)
            }
            let key = segment[..<equals]
            guard key.trimmingWhitespace().lowercased() == "accesskey" else { return String(segment) }
            let value = segment[segment.index(after: equals)...].trimmingWhitespace()
            return "\(key)=\(PubSubError.redact(value))"
        }.joined(separator: ";")
    }
}

extension ConnectionString {
    /// The development access key of the local service. It is public and deterministic on purpose, so
    /// that every verb and every SDK works against `pubsub serve` with no set-up; the service refuses
    /// to listen on anything but loopback while it uses this key.
    public static let developmentAccessKey = "cHVic3ViLmxvY2FsLmRldmVsb3BtZW50LmtleS52MSE="

    /// The local service's documented development connection string:
    /// `Endpoint=http://localhost:8080;AccessKey=cHVic3ViLmxvY2FsLmRldmVsb3BtZW50LmtleS52MSE=;Version=1.0;`
    public static let localDevelopment = ConnectionString(
        endpoint: ServiceEndpoint(scheme: "http", host: "localhost", port: 8080),
        accessKey: developmentAccessKey,
        version: "1.0"
    )

    /// Whether this is the development connection string (same key), whatever its port.
    public var usesDevelopmentKey: Bool { accessKey == Self.developmentAccessKey }
}

extension PubSubError.Code {
    public static let connectionStringEmpty = Self("connectionStringEmpty")
    public static let connectionStringMalformedSegment = Self("connectionStringMalformedSegment")
    public static let connectionStringUnknownKey = Self("connectionStringUnknownKey")
    public static let connectionStringDuplicateKey = Self("connectionStringDuplicateKey")
    public static let connectionStringMissingEndpoint = Self("connectionStringMissingEndpoint")
    public static let connectionStringMissingAccessKey = Self("connectionStringMissingAccessKey")
    public static let connectionStringInvalidEndpoint = Self("connectionStringInvalidEndpoint")
    public static let connectionStringInvalidPort = Self("connectionStringInvalidPort")
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    package func trimmingWhitespace() -> String {
        // Usually nothing to trim: an ASCII byte that is not whitespace at both ends settles it
        // without walking characters (a token or a header value per connection).
        var slice = Substring(self)
        if let first = slice.utf8.first, let last = slice.utf8.last, !Self.mayBeWhitespace(first), !Self.mayBeWhitespace(last) {
            return String(slice)
        }
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }

    /// False only for an ASCII byte that is not whitespace; a non-ASCII byte may belong to a
    /// Unicode space, so it takes the character-wise path.
    private static func mayBeWhitespace(_ byte: UInt8) -> Bool {
        byte >= 0x80 || byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}
