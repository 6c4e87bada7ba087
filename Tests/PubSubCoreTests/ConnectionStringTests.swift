import PubSubCore
import Testing

@Suite("Connection strings")
struct ConnectionStringTests {
    static let key = "Q29udG9zb0xvY2FsS2V5Rm9yRG9jc09ubHkwMTIzNDU="

    @Test("reads Endpoint, AccessKey and Version, keeping '=' inside the key")
    func readsTheParts() throws {
        let parsed = try ConnectionString(
            parsing: "Endpoint=https://contoso.webpubsub.azure.com;AccessKey=\(Self.key);Version=1.0;"
        )
        #expect(parsed.endpoint.url == "https://contoso.webpubsub.azure.com")
        #expect(parsed.accessKey == Self.key)
        #expect(parsed.version == "1.0")
        #expect(parsed.endpoint.isSecure)
    }

    @Test(
        "accepts the forms people paste",
        arguments: [
            ("endpoint=http://localhost;port=8080;accesskey=k=;", "http://localhost:8080", "k="),
            ("ENDPOINT=http://localhost:8080/;ACCESSKEY=abc", "http://localhost:8080", "abc"),
            ("  Endpoint = https://MyRes.webpubsub.azure.com/ ; AccessKey = a=b=c ; Version=1.0 ;\n", "https://MyRes.webpubsub.azure.com", "a=b=c"),
            ("Endpoint=https://proxy.example.com/api/webpubsub;AccessKey=k", "https://proxy.example.com/api/webpubsub", "k"),
            ("Endpoint=http://[::1]:9000;AccessKey=k;;", "http://[::1]:9000", "k"),
            ("Endpoint=http://localhost:8080;Port=8080;AccessKey=k", "http://localhost:8080", "k"),
        ]
    )
    func acceptsCommonForms(input: String, endpoint: String, key: String) throws {
        let parsed = try ConnectionString(parsing: input)
        #expect(parsed.endpoint.url == endpoint)
        #expect(parsed.accessKey == key)
    }

    @Test(
        "refuses bad input with a specific message that never shows the key",
        arguments: [
            ("", PubSubError.Code.connectionStringEmpty, "empty"),
            ("   ;  ", .connectionStringEmpty, "empty"),
            ("AccessKey=\(key);Version=1.0", .connectionStringMissingEndpoint, "no Endpoint="),
            ("Endpoint=https://x.webpubsub.azure.com;Version=1.0", .connectionStringMissingAccessKey, "no AccessKey="),
            ("Endpoint=;AccessKey=\(key)", .connectionStringMissingEndpoint, "no Endpoint="),
            ("Endpoint=ftp://x;AccessKey=\(key)", .connectionStringInvalidEndpoint, "scheme is \"ftp\""),
            ("Endpoint=contoso.webpubsub.azure.com;AccessKey=\(key)", .connectionStringInvalidEndpoint, "http:// or https://"),
            ("Endpoint=https://;AccessKey=\(key)", .connectionStringInvalidEndpoint, "no host"),
            ("Endpoint=https://x?a=b;AccessKey=\(key)", .connectionStringInvalidEndpoint, "query"),
            ("Endpoint=http://localhost;Port=eighty;AccessKey=\(key)", .connectionStringInvalidPort, "\"eighty\""),
            ("Endpoint=http://localhost;Port=70000;AccessKey=\(key)", .connectionStringInvalidPort, "between 1 and 65535"),
            ("Endpoint=http://localhost:8080;Port=9090;AccessKey=\(key)", .connectionStringInvalidPort, "two ports"),
            ("Endpoint=http://localhost;AccessKey=\(key);Region=westus", .connectionStringUnknownKey, "unknown key \"Region\""),
            ("Endpoint=http://a;Endpoint=http://b;AccessKey=\(key)", .connectionStringDuplicateKey, "\"Endpoint\" twice"),
            ("Endpoint=http://localhost;\(key.dropLast())", .connectionStringMalformedSegment, "has no '='"),
        ]
    )
    func refusesBadInput(input: String, code: PubSubError.Code, fragment: String) {
        let error = #expect(throws: PubSubError.self) { try ConnectionString(parsing: input) }
        #expect(error?.code == code)
        #expect(error?.exitStatus == .dataError)
        #expect(error?.message.contains(fragment) == true, "message: \(error?.message ?? "")")
        #expect(error?.message.contains(Self.key.dropLast()) == false)
        #expect(error?.hint != nil)
    }

    @Test("description and redaction hide the key")
    func redaction() throws {
        let parsed = try ConnectionString(parsing: "Endpoint=http://localhost:8080;AccessKey=\(Self.key);Version=1.0")
        #expect(parsed.description == "Endpoint=http://localhost:8080;AccessKey=Q29u…;Version=1.0;")
        #expect(ConnectionString.redacted("endpoint=x;accesskey=secretvalue") == "endpoint=x;accesskey=secr…")
    }

    @Test("resolves by precedence: option, file, environment, development default")
    func precedence() throws {
        let env = [ConnectionString.environmentVariable: "Endpoint=http://env;AccessKey=e"]
        let file = (path: "cs.txt", contents: "Endpoint=http://file;AccessKey=f\n")
        var resolved = try ConnectionString.resolve(option: "Endpoint=http://opt;AccessKey=o", file: file, environment: env)
        #expect(resolved.origin == .option)
        #expect(resolved.connectionString.endpoint.host == "opt")
        resolved = try ConnectionString.resolve(option: nil, file: file, environment: env)
        #expect(resolved.origin == .file("cs.txt"))
        resolved = try ConnectionString.resolve(option: nil, file: nil, environment: env)
        #expect(resolved.origin == .environment)
        resolved = try ConnectionString.resolve(option: nil, file: nil, environment: [:])
        #expect(resolved.origin == .localDevelopment)
        #expect(resolved.connectionString.endpoint.url == "http://localhost:8080")
        #expect(resolved.connectionString.usesDevelopmentKey)
    }

    @Test("an error says where the bad string came from")
    func errorNamesOrigin() {
        let error = #expect(throws: PubSubError.self) {
            try ConnectionString.resolve(option: nil, file: nil, environment: [ConnectionString.environmentVariable: "nonsense"])
        }
        #expect(error?.message.hasSuffix("[from WebPubSubConnectionString]") == true)
    }

    @Test("the development connection string parses back to itself")
    func developmentRoundTrip() throws {
        let text = ConnectionString.localDevelopment.unredactedString
        #expect(try ConnectionString(parsing: text) == .localDevelopment)
    }
}
