import PubSubCore
import Testing

@Suite("Client subprotocols")
struct ClientSubprotocolTests {
    @Test("the reliable JSON subprotocol is preferred when offered with the plain one; nothing served offered is a simple client")
    func choice() {
        #expect(ClientSubprotocol.choose(from: ["json.webpubsub.azure.v1", "json.reliable.webpubsub.azure.v1"]) == .reliableJSON)
        #expect(ClientSubprotocol.choose(from: ["json.webpubsub.azure.v1"]) == .json)
        #expect(ClientSubprotocol.choose(from: ["custom.v1"]) == .simple)
        #expect(ClientSubprotocol.choose(from: []) == .simple)
    }

    @Test("wire format and reliability are separate properties, and each served protocol answers with its own name")
    func formatAndReliabilityApart() {
        #expect(ClientSubprotocol.reliableJSON.format == ClientSubprotocol.json.format)
        #expect(ClientSubprotocol.reliableJSON.isReliable && !ClientSubprotocol.json.isReliable)
        for served in ClientSubprotocol.served {
            #expect(ClientSubprotocol.served(served.subprotocol ?? "") == served)
        }
        #expect(ClientSubprotocol.simple.subprotocol == nil)
        #expect(ClientSubprotocol.served("protobuf.webpubsub.azure.v1") == nil)
    }
}
