import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import NIOCore
import PubSubCore
import PubSubService
import Testing

@Suite("REST data plane")
struct RESTTests {
    static func call(
        _ client: HubClient,
        _ port: Int,
        _ method: HTTPRequest.Method,
        _ path: String,
        query: String = "api-version=2024-12-01",
        contentType: String? = nil,
        body: String? = nil
    ) async throws -> HubClient.Response {
        try await client.execute(
            uri: path + (query.isEmpty ? "" : "?" + query),
            method: method,
            headers: LiveHub.restHeaders(port: port, path: path, contentType: contentType),
            body: body.map { ByteBuffer(string: $0) }
        )
    }

    @Test("health needs no token; every other call does, and errors are JSON with x-ms-error-code")
    func authAndErrors() async throws {
        try await LiveHub.run { client, port in
            #expect(try await client.execute(uri: "/api/health", method: .head).status == .ok)
            let anonymous = try await client.execute(uri: "/api/hubs/chat/:send?api-version=2024-12-01", method: .post)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[HTTPField.Name("x-ms-error-code")!] == "Unauthorized")
            let error = try JSONValue.parse(anonymous.body.readableBytesView, what: "error").objectValue
            #expect(error?["code"] == .string("Unauthorized"))
            #expect(error?["message"]?.stringValue?.contains("Authorization") == true)

            var headers = LiveHub.restHeaders(port: port, path: "/api/hubs/chat/:send")
            headers[.authorization] = "Bearer " + HandshakeTests.hs256(#"{"aud":"http://localhost:\#(port)/api/hubs/chat","exp":9999999999}"#, key: "wrong")
            #expect(try await client.execute(uri: "/api/hubs/chat/:send", method: .post, headers: headers).status == .unauthorized)

            let badVersion = try await Self.call(client, port, .post, "/api/hubs/chat/:send", query: "api-version=1999-01-01", contentType: "text/plain", body: "x")
            #expect(badVersion.status == .badRequest)
            #expect(String(buffer: badVersion.body).contains("1999-01-01"))
            let badJSON = try await Self.call(client, port, .post, "/api/hubs/chat/:send", contentType: "application/json", body: "{oops")
            #expect(badJSON.status == .badRequest)
            let badFilter = try await Self.call(client, port, .post, "/api/hubs/chat/:send", query: "filter=userId%20eq", contentType: "text/plain", body: "x")
            #expect(badFilter.status == .badRequest)
            #expect(String(buffer: badFilter.body).contains("Invalid syntax"))
            let longGroup = String(repeating: "g", count: 1025)
            #expect(try await Self.call(client, port, .head, "/api/hubs/chat/groups/\(longGroup)").status == .badRequest)
            #expect(try await Self.call(client, port, .post, "/api/hubs/chat/nonsense").status == .notFound)
            #expect(try await Self.call(client, port, .put, "/api/hubs/chat/groups/g/connections/nobody").status == .notFound)
            // Sends to nobody are accepted (fire and forget); removals of non-members succeed.
            #expect(try await Self.call(client, port, .post, "/api/hubs/chat/users/nobody/:send", contentType: "text/plain", body: "x").status == .accepted)
            #expect(try await Self.call(client, port, .delete, "/api/hubs/chat/groups/g/connections/nobody").status == .noContent)
            // api-version 2024-01-01 and a missing api-version are accepted.
            #expect(try await Self.call(client, port, .post, "/api/hubs/chat/:send", query: "api-version=2024-01-01", contentType: "text/plain", body: "x").status == .accepted)
            #expect(try await Self.call(client, port, .post, "/api/hubs/chat/:send", query: "", contentType: "text/plain", body: "x").status == .accepted)
        }
    }

    @Test("filtered :addToGroups and :removeFromGroups change exactly the matching connections")
    func filteredGroupOperations() async throws {
        try await LiveHub.run { client, port in
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (ready, readyContinuation) = AsyncStream.makeStream(of: String.self)
                let (done, doneContinuation) = AsyncStream.makeStream(of: Void.self)
                for user in ["listener-1", "listener-2", "other"] {
                    group.addTask {
                        try await client.ws(ProtocolTests.path(port, user: user), configuration: LiveHub.socketConfiguration(LiveHub.json)) {
                            inbound,
                            outbound,
                            _ in
                            var frames = Frames(inbound)
                            _ = try await frames.nextMessage()
                            readyContinuation.yield(user)
                            for await _ in done {}
                            try await outbound.close(.normalClosure, reason: nil)
                        }
                    }
                }
                var connected = 0
                for await _ in ready {
                    connected += 1
                    if connected == 3 { break }
                }
                let add = try await Self.call(
                    client,
                    port,
                    .post,
                    "/api/hubs/chat/:addToGroups",
                    contentType: "application/json",
                    body: #"{"groups":["listeners","all"],"filter":"startswith(userId, 'listener-')"}"#
                )
                #expect(add.status == .ok)
                let page = try await Self.call(client, port, .get, "/api/hubs/chat/groups/listeners/connections")
                let users = try JSONValue.parse(page.body.readableBytesView, what: "page").objectValue?["value"]
                guard case .array(let items)? = users else {
                    Issue.record("no value array")
                    return
                }
                #expect(Set(items.compactMap { $0.objectValue?["userId"]?.stringValue }) == ["listener-1", "listener-2"])
                let remove = try await Self.call(
                    client,
                    port,
                    .post,
                    "/api/hubs/chat/:removeFromGroups",
                    contentType: "application/json",
                    body: #"{"groups":["listeners"],"filter":"userId eq 'listener-1'"}"#
                )
                #expect(remove.status == .ok)
                let after = try await Self.call(client, port, .get, "/api/hubs/chat/groups/listeners/connections")
                #expect(String(buffer: after.body).contains("listener-2"))
                #expect(!String(buffer: after.body).contains("listener-1"))
                #expect(try await groupExists(client, port, "all"))
                doneContinuation.finish()
                try await group.waitForAll()
            }
        }
    }

    @Test(":generateToken mints a token the service accepts, with the requested claims")
    func generateToken() async throws {
        try await LiveHub.run { client, port in
            let response = try await Self.call(
                client,
                port,
                .post,
                "/api/hubs/chat/:generateToken",
                query: "userId=gen&role=webpubsub.joinLeaveGroup&minutesToExpire=5&group=g1&clientType=Default&api-version=2024-12-01"
            )
            #expect(response.status == .ok)
            let token = try #require(try JSONValue.parse(response.body.readableBytesView, what: "token").objectValue?["token"]?.stringValue)
            let decoded = try DecodedToken(parsing: token)
            #expect(decoded.subject == "gen")
            #expect(decoded.roles == ["webpubsub.joinLeaveGroup"])
            #expect(decoded.groups == ["g1"])
            #expect(decoded.expiresAt! - decoded.issuedAt! == 300)
            let bad = try await Self.call(client, port, .post, "/api/hubs/chat/:generateToken", query: "minutesToExpire=0")
            #expect(bad.status == .badRequest)
        }
    }
}
