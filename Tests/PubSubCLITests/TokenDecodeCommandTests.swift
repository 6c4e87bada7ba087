import Foundation
import PubSubCore
import Testing

@Suite("pubsub token decode (the built binary)")
struct TokenDecodeCommandTests {
    static let key = "Q29udG9zb0xvY2FsS2V5Rm9yRG9jc09ubHkwMTIzNDU="
    static let local = "Endpoint=http://localhost:8080;AccessKey=\(key);Version=1.0;"

    static func mint(hub: String = "chat", user: String? = "alice", lifetime: Duration = .seconds(3600), now: Date = Date()) throws -> ClientAccess {
        let connection = try ConnectionString(parsing: local)
        return TokenMinter(connectionString: connection).clientAccess(
            ClientTokenRequest(hub: hub, userId: user, roles: [try Role(parsing: "webpubsub.sendToGroup.room1")], lifetime: lifetime),
            now: now
        )
    }

    @Test("decodes a URL without a key: header, claims, user, roles and when it expires")
    func decodesWithoutKey() async throws {
        let access = try Self.mint()
        let result = try await PubSubBinary.run(["token", "decode", access.url])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty, "decode without --verify needs no connection string")
        #expect(result.stdout.contains(#""alg" : "HS256""#))
        #expect(result.stdout.contains("User:      alice"))
        #expect(result.stdout.contains("Roles:     webpubsub.sendToGroup.room1"))
        #expect(result.stdout.contains("(expires in 1 hour)") || result.stdout.contains("(expires in 59 minutes)"))
        #expect(result.stdout.contains("Signature: not checked"))
    }

    @Test("says plainly that an expired token is expired")
    func saysExpired() async throws {
        let access = try Self.mint(now: Date().addingTimeInterval(-7200))
        let result = try await PubSubBinary.run(["token", "decode", access.token, "--output", "json"])
        #expect(result.status == 0)
        let document = try #require(try JSONValue.parse(Data(result.stdout.utf8), what: "output").objectValue)
        #expect(document["expired"] == .bool(true))
        #expect(document["verified"] == .null)
        let text = try await PubSubBinary.run(["token", "decode", access.token])
        #expect(text.stdout.contains("(EXPIRED 1 hour ago)"))
    }

    @Test("--verify accepts a good token from a URL, from standard input and with --hub")
    func verifies() async throws {
        let access = try Self.mint()
        for arguments in [
            ["token", "decode", access.url, "--verify", "--connection-string", Self.local],
            ["token", "decode", access.token, "--verify", "--hub", "CHAT", "--connection-string", Self.local],
            ["token", "decode", "-", "--verify", "--connection-string", Self.local],
        ] {
            let result = try await PubSubBinary.run(arguments, stdin: access.url + "\n")
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains("Verified:  valid"))
        }
    }

    @Test(
        "--verify exits 77 with the reason",
        arguments: [
            (["--hub", "other"], "does not name"),
            (["--connection-string", "Endpoint=http://localhost:8080;AccessKey=another-key"], "signature does not match"),
        ]
    )
    func verifyFailures(extra: [String], fragment: String) async throws {
        let access = try Self.mint()
        var arguments = ["token", "decode", access.token, "--verify"]
        arguments += extra.contains("--connection-string") ? extra : extra + ["--connection-string", Self.local]
        let result = try await PubSubBinary.run(arguments)
        #expect(result.status == 77)
        #expect(result.stderr.hasPrefix("Error: "))
        #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)")
        #expect(result.stdout.contains("Verified:  NO"))
    }

    @Test("an expired token fails --verify with exit 77 and says when it expired")
    func expiredVerify() async throws {
        let access = try Self.mint(lifetime: .seconds(60), now: Date().addingTimeInterval(-600))
        let result = try await PubSubBinary.run(["token", "decode", access.url, "--verify", "--connection-string", Self.local, "--output", "json"])
        #expect(result.status == 77)
        #expect(result.stderr.contains("the token expired at"))
        let document = try #require(try JSONValue.parse(Data(result.stdout.utf8), what: "output").objectValue)
        #expect(document["verified"] == .bool(false))
        #expect(document["error"]?.objectValue?["code"] == .string("tokenExpired"))
    }

    @Test("garbage input exits 65", arguments: ["not-a-token", "a.b", "https://x/client/hubs/h?foo=bar", "eyJ!.eyJ.abc"])
    func garbage(input: String) async throws {
        let result = try await PubSubBinary.run(["token", "decode", input])
        #expect(result.status == 65)
        #expect(result.stderr.hasPrefix("Error: "))
        #expect(result.stdout.isEmpty)
    }
}
