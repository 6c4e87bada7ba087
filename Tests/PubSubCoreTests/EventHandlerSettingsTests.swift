import Foundation
import PubSubCore
import Testing

@Suite("Event handler settings and signatures")
struct EventHandlerSettingsTests {
    @Test("parses the command-line form with its defaults")
    func commandLine() throws {
        let (hub, handler) = try EventHandlerSettings.parse(spec: "Chat=http://localhost:3000/api/{hub}/{event}")
        #expect(hub == "Chat")
        #expect(handler.userEvents == .all)
        #expect(handler.systemEvents.isEmpty)
        #expect(handler.url(hub: "chat", event: "message") == "http://localhost:3000/api/chat/message")
        #expect(handler.url(hub: "chat", event: "a b/c") == "http://localhost:3000/api/chat/a%20b%2Fc")

        let (_, explicit) = try EventHandlerSettings.parse(spec: "chat=https://x.example/h?code=s3cret  user=ping,echo system=connect,disconnected")
        #expect(explicit.userEvents == .names(["ping", "echo"]))
        #expect(explicit.systemEvents == [.connect, .disconnected])
        #expect(explicit.userEvents.matches("echo") && !explicit.userEvents.matches("other"))

        let (_, none) = try EventHandlerSettings.parse(spec: "*=http://127.0.0.1:1/{event} user= system=*")
        #expect(none.userEvents == .none)
        #expect(none.systemEvents == Set(EventHandlerSettings.SystemEvent.allCases))
    }

    @Test(
        "refuses a bad command-line form with a specific message, never printing the URL's query",
        arguments: [
            ("chat", "does not start with HUB=URL_TEMPLATE"),
            ("chat=ftp://x/{event}", "is not an http:// or https:// URL"),
            ("chat=http://{hub}.example/{event}", "placeholder in its host"),
            ("chat=http://x/{user}", "other than {hub} and {event}"),
            ("chat=http://x/{event} system=connecting", "\"connecting\" is not a system event"),
            ("chat=http://x/{event} users=*", "\"users\" is not user or system"),
            ("chat=http://x/{event} user=* user=a", "user= is given twice"),
            ("bad hub!=http://x/{event}", "hub"),
            ("chat=http://x/{event}?code=s3cret system=nope", "code=***"),
        ]
    )
    func refusals(spec: String, expected: String) {
        #expect {
            try EventHandlerSettings.parse(spec: spec)
        } throws: { error in
            guard let error = error as? PubSubError else { return false }
            return error.code == .eventHandlerInvalid && error.exitStatus == .usage && error.message.contains(expected)
                && !error.description.contains("s3cret")
        }
    }

    @Test("parses the settings file shaped like Azure's hub settings, in order, first match wins")
    func file() throws {
        let json = """
            {"hubs": {
              "chat": {"eventHandlers": [
                {"urlTemplate": "http://localhost:3000/first/{event}", "userEventPattern": "echo", "systemEvents": ["connect"]},
                {"urlTemplate": "http://localhost:3000/second/{event}", "userEventPattern": "*", "systemEvents": ["connect", "connected"], "auth": {"type": "None"}}
              ]},
              "*": {"eventHandlers": [{"urlTemplate": "http://localhost:4000/{hub}/{event}"}]}
            }}
            """
        let settings = try EventHandlerSettings.parse(json: Data(json.utf8), source: "handlers.json")
        #expect(settings.handler(hub: "CHAT", systemEvent: .connect)?.urlTemplate.contains("/first/") == true)
        #expect(settings.handler(hub: "chat", systemEvent: .connected)?.urlTemplate.contains("/second/") == true)
        #expect(settings.handler(hub: "chat", userEvent: "echo")?.urlTemplate.contains("/first/") == true)
        #expect(settings.handler(hub: "chat", userEvent: "other")?.urlTemplate.contains("/second/") == true)
        #expect(settings.handler(hub: "chat", systemEvent: .disconnected) == nil)
        // Omitted patterns take nothing, as in Azure.
        #expect(settings.handler(hub: "news", userEvent: "message") == nil)
        #expect(settings.handler(hub: "news", systemEvent: .connect) == nil)
    }

    @Test(
        "refuses a settings file that is not shaped right",
        arguments: [
            ("[]", "not a JSON object"),
            (#"{"hub": {}}"#, "no \"hubs\" object"),
            (#"{"hubs": {"chat": {}}}"#, "no \"eventHandlers\" array"),
            (#"{"hubs": {"chat": {"eventHandlers": [{"url": "http://x"}]}}}"#, "unknown key \"url\""),
            (#"{"hubs": {"chat": {"eventHandlers": [{"userEventPattern": "*"}]}}}"#, "no \"urlTemplate\" string"),
            (#"{"hubs": {"chat": {"eventHandlers": [{"urlTemplate": "http://x", "systemEvents": "connect"}]}}}"#, "array of strings"),
            (#"{"hubs": {"chat": {"eventHandlers": [{"urlTemplate": "http://x", "auth": {"type": "ManagedIdentity"}}]}}}"#, "not supported locally"),
        ]
    )
    func fileRefusals(json: String, expected: String) {
        #expect {
            try EventHandlerSettings.parse(json: Data(json.utf8), source: "h.json")
        } throws: { error in
            guard let error = error as? PubSubError else { return false }
            return error.exitStatus == .dataError && error.message.hasPrefix("h.json: ") && error.message.contains(expected)
        }
    }

    @Test("signs the connection id with each key as the protocol reference's worked example")
    func signature() {
        let key = "Q29udG9zb0xvY2FsS2V5Rm9yRG9jc09ubHkwMTIzNDU="
        let expected = "sha256=355c77e14bde48f8c53e7f7d17cc2d04f60182955ea03ad01647459a6e94e4fd"
        #expect(EventSignature.header(connectionId: "aB3xYz_Conn1", accessKeys: [key]) == expected)
        let two = EventSignature.header(connectionId: "aB3xYz_Conn1", accessKeys: ["other", key])
        #expect(two.hasSuffix("," + expected) && two.split(separator: ",").count == 2)
        #expect(EventSignature.isValid(expected.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="), connectionId: "aB3xYz_Conn1", accessKeys: [key]))
        #expect(!EventSignature.isValid(expected, connectionId: "another", accessKeys: [key]))
        #expect(!EventSignature.isValid(expected, connectionId: "aB3xYz_Conn1", accessKeys: ["wrong"]))
    }

    @Test("redacts query values of handler URLs")
    func redaction() {
        #expect(URLRedaction.redacted("http://x/h?code=abc&x=1#f") == "http://x/h?code=***&x=***#f")
        #expect(URLRedaction.redacted("http://x/h") == "http://x/h")
    }
}
