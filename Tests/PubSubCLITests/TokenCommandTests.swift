import Foundation
import PubSubCore
import Testing

@Suite("pubsub token (the built binary)")
struct TokenCommandTests {
    static let key = "Q29udG9zb0xvY2FsS2V5Rm9yRG9jc09ubHkwMTIzNDU="
    static let azure = "Endpoint=https://Contoso.webpubsub.azure.com;AccessKey=\(key);Version=1.0;"

    @Test("with no connection string it mints for the local development service and says so on stderr")
    func developmentDefault() async throws {
        let result = try await PubSubBinary.run(["token", "--hub", "chat"])
        #expect(result.status == 0)
        let url = result.stdout.trimmingCharacters(in: .newlines)
        #expect(url.hasPrefix("ws://localhost:8080/client/hubs/chat?access_token=ey"))
        #expect(!url.contains("\n"))
        let stderrLines = result.stderr.split(separator: "\n")
        #expect(stderrLines.count == 1)
        #expect(stderrLines.first?.contains("local development service at http://localhost:8080") == true)
        // What it printed is a token the development key verifies.
        let token = String(url.split(separator: "=", maxSplits: 1)[1])
        let verified = try TokenVerifier(accessKeys: [ConnectionString.developmentAccessKey])
            .verify(token, audience: .resource("ws://localhost:8080/client/hubs/chat"))
        #expect(verified.subject == nil)
        #expect(verified.expiresAt! - verified.issuedAt! == 3600)
    }

    @Test("--quiet drops the notice; the environment variable is used when set")
    func environmentSource() async throws {
        var environment = PubSubBinary.cleanEnvironment
        environment["WebPubSubConnectionString"] = Self.azure
        let result = try await PubSubBinary.run(["token", "--hub", "Chat", "--output", "token", "-q"], environment: environment)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let token = try DecodedToken(parsing: result.stdout)
        #expect(token.audiences == ["https://contoso.webpubsub.azure.com/client/hubs/Chat"])
    }

    @Test("--output json carries url, baseUrl, token, claims and expiresAt for every flag")
    func jsonOutput() async throws {
        let result = try await PubSubBinary.run([
            "token", "--connection-string", Self.azure, "--hub", "chat", "--user", "alice",
            "--role", "webpubsub.joinLeaveGroup", "--role", "webpubsub.sendToGroups.room.*",
            "--group", "room.1", "--group", "lobby", "--expires", "90s", "--output", "json",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.isEmpty)
        let document = try #require(try JSONValue.parse(Data(result.stdout.utf8), what: "output").objectValue)
        let claims = try #require(document["claims"]?.objectValue)
        #expect(claims["sub"] == .string("alice"))
        #expect(claims["role"] == .array([.string("webpubsub.joinLeaveGroup"), .string("webpubsub.sendToGroups.room.*")]))
        #expect(claims["webpubsub.group"] == .array([.string("room.1"), .string("lobby")]))
        #expect(claims["aud"] == .string("https://contoso.webpubsub.azure.com/client/hubs/chat"))
        let iat = try #require(claims["iat"]?.int64Value)
        #expect(claims["exp"]?.int64Value == iat + 90)
        #expect(document["baseUrl"] == .string("wss://contoso.webpubsub.azure.com/client/hubs/chat"))
        let token = try #require(document["token"]?.stringValue)
        #expect(document["url"] == .string("wss://contoso.webpubsub.azure.com/client/hubs/chat?access_token=\(token)"))
        #expect(document["expiresAt"] == .string(TokenTime.iso8601(iat + 90)))
    }

    @Test(
        "--client-protocol changes the path and aud",
        arguments: [("mqtt", "/clients/mqtt/hubs/chat"), ("socketio", "/clients/socketio/hubs/chat"), ("default", "/client/hubs/chat")]
    )
    func clientProtocol(name: String, path: String) async throws {
        let result = try await PubSubBinary.run(["token", "--hub", "chat", "--client-protocol", name, "-q"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("ws://localhost:8080\(path)?access_token="))
    }

    @Test("the connection string can come from a file or from standard input")
    func fileSources() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cs-\(UUID().uuidString).txt")
        try Data((Self.azure + "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try await PubSubBinary.run(["token", "--hub", "chat", "--connection-string-file", file.path])
        #expect(fromFile.status == 0)
        #expect(fromFile.stdout.hasPrefix("wss://contoso.webpubsub.azure.com/client/hubs/chat?access_token="))
        let fromStdin = try await PubSubBinary.run(["token", "--hub", "chat", "--connection-string-file", "-"], stdin: Self.azure)
        #expect(fromStdin.status == 0)
        #expect(fromStdin.stdout.hasPrefix("wss://contoso.webpubsub.azure.com/"))
        let missing = try await PubSubBinary.run(["token", "--hub", "chat", "--connection-string-file", file.path + ".missing"])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("cannot read the connection string file"))
    }

    @Test(
        "a bad connection string exits 65 with a specific message and never prints the key",
        arguments: [
            ("AccessKey=\(key);Version=1.0;", "no Endpoint="),
            ("Endpoint=https://x.webpubsub.azure.com;Version=1.0;", "no AccessKey="),
            ("Endpoint=x.webpubsub.azure.com;AccessKey=\(key)", "not a usable URL"),
            ("Endpoint=http://localhost;Port=http;AccessKey=\(key)", "Port \"http\""),
            ("", "empty"),
            ("Endpoint=http://localhost;AccessKey=\(key);Acesskey=other", "unknown key \"Acesskey\""),
        ]
    )
    func badConnectionStrings(text: String, fragment: String) async throws {
        let result = try await PubSubBinary.run(["token", "--hub", "chat", "--connection-string", text])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("Error: "))
        #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("\nHint: "))
        #expect(!result.stderr.contains(Self.key.dropFirst(4).prefix(12)))
    }

    @Test(
        "bad flags exit 64 and say what is wrong",
        arguments: [
            (["token"], "missing --hub"),
            (["token", "--hub", "9lives"], "must start with a letter"),
            (["token", "--hub", "chat", "--role", "webpubsub.joinGroup"], "is not a Web PubSub role"),
            (["token", "--hub", "chat", "--expires", "30"], "has no unit"),
            (["token", "--hub", "chat", "--group", "   "], "only whitespace"),
            (["token", "--hub", "chat", "--client-protocol", "grpc"], "grpc"),
            (["token", "--hub", "chat", "--connection-string", "a", "--connection-string-file", "b"], "not both"),
        ]
    )
    func badFlags(arguments: [String], fragment: String) async throws {
        let result = try await PubSubBinary.run(arguments)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)")
    }

    @Test("PUBSUB_HUB stands in for --hub")
    func hubFromEnvironment() async throws {
        var environment = PubSubBinary.cleanEnvironment
        environment["PUBSUB_HUB"] = "orders"
        let result = try await PubSubBinary.run(["token", "-q"], environment: environment)
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("ws://localhost:8080/client/hubs/orders?"))
    }
}
