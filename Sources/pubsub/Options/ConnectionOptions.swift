import ArgumentParser
import Foundation
import PubSubCore

/// Where the connection string comes from, in order: --connection-string, --connection-string-file,
/// the WebPubSubConnectionString environment variable, the local development default.
struct ConnectionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The service's connection string, Endpoint=…;AccessKey=…;Version=1.0; (env: WebPubSubConnectionString).",
            valueName: "connection-string"
        )
    )
    var connectionString: String?

    @Option(
        help: ArgumentHelp("Read the connection string from a file; - reads standard input.", valueName: "path"),
        completion: .file()
    )
    var connectionStringFile: String?

    mutating func validate() throws {
        if connectionString != nil, connectionStringFile != nil {
            throw ValidationError("give --connection-string or --connection-string-file, not both")
        }
    }

    /// Resolves the connection string, announcing the development default on stderr unless quiet.
    func resolve(quiet: Bool) throws(PubSubError) -> ConnectionString {
        var file: (path: String, contents: String)?
        if let path = connectionStringFile {
            file = (path, try Self.read(path))
        }
        let (connection, origin) = try ConnectionString.resolve(
            option: connectionString,
            file: file,
            environment: Environment.all
        )
        if origin == .localDevelopment, !quiet {
            Terminal.diagnostic(
                "pubsub: no connection string given; using the local development service at \(connection.endpoint.url) "
                    + "(set \(ConnectionString.environmentVariable) or pass --connection-string for another)"
            )
        }
        return connection
    }

    private static func read(_ path: String) throws(PubSubError) -> String {
        if path == "-" { return Terminal.readStandardInput() }
        let data = try InputFile.contents(
            of: path,
            what: "the connection string file",
            code: .connectionStringFileUnreadable,
            hint: "check that the file exists and is readable, or pass - to read standard input"
        )
        return String(decoding: data, as: UTF8.self)
    }
}

extension PubSubError.Code {
    static let connectionStringFileUnreadable = Self("connectionStringFileUnreadable")
}
