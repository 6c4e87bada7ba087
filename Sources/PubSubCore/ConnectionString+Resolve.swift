/// Where the connection string a command uses came from.
public enum ConnectionStringOrigin: Sendable, Hashable, CustomStringConvertible {
    /// `--connection-string`.
    case option
    /// `--connection-string-file PATH` (`-` is standard input).
    case file(String)
    /// The `WebPubSubConnectionString` environment variable.
    case environment
    /// None was given: the local service's development connection string.
    case localDevelopment

    public var description: String {
        switch self {
        case .option: return "--connection-string"
        case .file(let path): return path == "-" ? "standard input" : "file \(path)"
        case .environment: return ConnectionString.environmentVariable
        case .localDevelopment: return "the local development default"
        }
    }
}

extension ConnectionString {
    /// The environment variable Microsoft's quickstarts and tools use, and so do we.
    public static let environmentVariable = "WebPubSubConnectionString"

    /// Picks the connection string by precedence: the option, then the file's contents, then the
    /// environment variable, then the local development default.
    ///
    /// - Parameters:
    ///   - option: the value of `--connection-string`, if given.
    ///   - file: the path given to `--connection-string-file` and the text read from it.
    ///   - environment: the process environment.
    /// - Throws: ``PubSubError`` when the chosen text does not parse; the message says where it came from.
    public static func resolve(
        option: String?,
        file: (path: String, contents: String)?,
        environment: [String: String]
    ) throws(PubSubError) -> (connectionString: ConnectionString, origin: ConnectionStringOrigin) {
        let chosen: (String, ConnectionStringOrigin)
        if let option {
            chosen = (option, .option)
        } else if let file {
            chosen = (file.contents, .file(file.path))
        } else if let value = environment[environmentVariable] {
            chosen = (value, .environment)
        } else {
            return (.localDevelopment, .localDevelopment)
        }
        do {
            return (try ConnectionString(parsing: chosen.0), chosen.1)
        } catch {
            throw PubSubError(
                error.code,
                "\(error.message) [from \(chosen.1)]",
                hint: error.hint,
                exitStatus: error.exitStatus
            )
        }
    }
}
