import ArgumentParser
import Foundation
import Logging
import PubSubBench
import PubSubClient
import PubSubCore

/// Options of the scenarios that publish.
struct PublishOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Publishers.", valueName: "n"))
    var publishers = 1

    @Option(help: "How publishers send: rest, or websocket (a client's sendToGroup).")
    var via: PublishVia = .rest

    @Option(help: ArgumentHelp("Bytes per message (the timestamp header takes about 40).", valueName: "bytes"))
    var size = 64

    @Option(help: ArgumentHelp("Messages per second, all publishers together; default: a burst, as fast as they can.", valueName: "n"))
    var rate: Double?

    @Option(help: ArgumentHelp("Messages to publish in all (default 100 unless --duration).", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Publish for this long: 10s, 2m.", valueName: "duration"), transform: DurationArgument.parse)
    var duration: DurationArgument?

    @Option(name: .customLong("protocol"), help: "Subscribers speak json, reliable or simple.")
    var subscriberProtocol: BenchProtocol = .json

    mutating func validate() throws {
        guard publishers >= 1 else { throw ValidationError("--publishers must be at least 1") }
        guard (1...(1 << 20)).contains(size) else { throw ValidationError("--size must be from 1 byte to 1 MB") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        _ = try parsedDuration()
        if count == nil, duration == nil { count = 100 }
    }

    func parsedDuration() throws -> Duration? {
        duration?.duration
    }

    func apply(to bench: inout DeliveryBench) throws {
        bench.publishers = publishers
        bench.via = via
        bench.messageSize = size
        bench.rate = rate
        bench.count = count
        bench.duration = try parsedDuration()
        bench.subscriberProtocol = subscriberProtocol
    }
}
