import ArgumentParser
import PubSubBench
import PubSubBenchWire
import PubSubCore

/// A broker that is not Web PubSub, spoken to through its WebSocket listener: the same scenarios,
/// the same load generator, so that brokers compare side by side (scripts/bench-peers.sh).
struct RawWebSocketOptions: ParsableArguments {
    @Option(
        name: .customLong("raw-url"),
        help: ArgumentHelp(
            "Bench a WebSocket server that is not Web PubSub (an MQTT or NATS broker's WebSocket listener) at ws://host:port/path; the connection string is not used.",
            valueName: "url"
        )
    )
    var url: String?

    @Option(name: .customLong("subprotocol"), help: ArgumentHelp("With --raw-url: offer this subprotocol (mqtt for MQTT brokers); repeatable.", valueName: "name"))
    var subprotocols: [String] = []

    @Option(
        help: ArgumentHelp(
            #"With --raw-url: a frame each subscriber sends once upgraded; repeatable, sent in order. \xHH is a byte, \r \n \t \\ \{ escapes, {group} the subscriber's group."#,
            valueName: "template"
        )
    )
    var subscriberPreamble: [String] = []

    @Option(help: ArgumentHelp("With --raw-url: a frame each publisher sends once upgraded; repeatable.", valueName: "template"))
    var publisherPreamble: [String] = []

    @Option(help: ArgumentHelp("With --raw-url: the bytes of a published frame before the payload; {group} the target, {size} the payload's length.", valueName: "template"))
    var publishPrefix = ""

    @Option(help: ArgumentHelp("With --raw-url: the bytes of a published frame after the payload.", valueName: "template"))
    var publishSuffix = ""

    @Flag(help: "With --raw-url: send binary frames (MQTT), not text.")
    var binary = false

    @Flag(help: "With --raw-url: a subscriber counts as open once the server has sent it a frame (an MQTT CONNACK, NATS's INFO).")
    var awaitFirstFrame = false

    mutating func validate() throws {
        if let raw = try rawWebSocket() {
            do { _ = try BenchEndpoint(raw: raw) } catch { throw ValidationError("--raw-url: \(error.message)") }
            return
        }
        let given = !subprotocols.isEmpty || !subscriberPreamble.isEmpty || !publisherPreamble.isEmpty || !publishPrefix.isEmpty
            || !publishSuffix.isEmpty || binary || awaitFirstFrame
        if given { throw ValidationError("--subprotocol, the preambles, --publish-prefix/-suffix, --binary and --await-first-frame need --raw-url") }
    }

    /// The raw server, when --raw-url names one.
    func rawWebSocket() throws -> RawWebSocket? {
        guard let url else { return nil }
        var raw = RawWebSocket(url: url)
        raw.subprotocols = subprotocols
        do {
            raw.subscriberPreamble = try subscriberPreamble.map { text throws(PubSubError) in try FrameTemplate(text) }
            raw.publisherPreamble = try publisherPreamble.map { text throws(PubSubError) in try FrameTemplate(text) }
            raw.publishPrefix = try FrameTemplate(publishPrefix)
            raw.publishSuffix = try FrameTemplate(publishSuffix)
        } catch {
            throw ValidationError("\(error.message); \(error.hint ?? "")")
        }
        raw.binary = binary
        raw.awaitsFirstFrame = awaitFirstFrame
        return raw
    }
}
