import Dispatch
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import NIOConcurrencyHelpers
import NIOWebSocket
import PubSubCore
import Testing

@testable import PubSubService

@Suite("Delivery")
struct DeliveryTests {
    static func delivery(closed: (@Sendable (ClientConnection, String) -> Void)? = nil) -> Delivery {
        Delivery(logger: Logger(label: "test"), tracer: Tracer()) { connection, reason in closed?(connection, reason) }
    }

    static func publication(_ text: String, excluded: Set<String> = []) -> Publication {
        var publication = Publication(hub: "hub", origin: .rest, target: .group("g"), payload: .text(text), source: .group("g", fromUserId: nil))
        publication.excluded = excluded
        return publication
    }

    @Test("a publish to a group of JSON clients builds the JSON frame only, and each of them gets it")
    func jsonGroupBuildsNoOtherEncoding() throws {
        let members = try (0..<3).map { try Outbound.connection("c\($0)", wireProtocol: $0 == 0 ? .reliableJSON : .json) }
        let recipients = RecipientSet(members.map(\.0))
        let report = Self.delivery().deliver(Self.publication("hi"), to: recipients)
        #expect(report == Delivery.Report(recipients: 3, encodings: WireFormats(.json)))
        for (connection, channel) in members {
            channel.embeddedEventLoop.run()
            let expected = (connection.wireProtocol.isReliable ? #"{"sequenceId":1,"# : "{") + #""type":"message","from":"group","group":"g","dataType":"text","data":"hi"}"#
            #expect(try Outbound.texts(channel) == [expected])
        }
    }

    @Test("a mixed group builds each encoding once: JSON clients get the JSON frame, simple clients the message's own bytes")
    func mixedGroupBuildsEachEncodingOnce() throws {
        let (json, jsonChannel) = try Outbound.connection("json", wireProtocol: .json)
        let (simple, simpleChannel) = try Outbound.connection("simple", wireProtocol: .simple)
        let report = Self.delivery().deliver(Self.publication("hi"), to: RecipientSet([json, simple]))
        #expect(report.encodings == [WireFormats(.json), WireFormats(.simple)])
        jsonChannel.embeddedEventLoop.run()
        simpleChannel.embeddedEventLoop.run()
        #expect(try Outbound.texts(jsonChannel).count == 1)
        #expect(try Outbound.texts(simpleChannel) == ["hi"])

        // A group of simple clients pays for no JSON frame.
        #expect(Self.delivery().deliver(Self.publication("x"), to: RecipientSet([simple])).encodings == WireFormats(.simple))
    }

    @Test("the excluded get nothing and are not counted; nobody is nothing to build")
    func excluded() throws {
        let (a, aChannel) = try Outbound.connection("a", wireProtocol: .json)
        let (b, bChannel) = try Outbound.connection("b", wireProtocol: .json)
        let report = Self.delivery().deliver(Self.publication("hi", excluded: ["a"]), to: RecipientSet([a, b]))
        #expect(report.recipients == 1)
        aChannel.embeddedEventLoop.run()
        bChannel.embeddedEventLoop.run()
        #expect(try Outbound.texts(aChannel).isEmpty)
        #expect(try Outbound.texts(bChannel).count == 1)
        #expect(Self.delivery().deliver(Self.publication("x"), to: RecipientSet()) == Delivery.Report())
    }

    @Test("a recipient whose queue is full is handed to the slow-client policy with the reason, and the rest still get the message")
    func slowClient() throws {
        var configuration = ServiceConfiguration(port: 0)
        configuration.outboundQueueLimit = 1
        let slowOne = try Outbound.attached("slow", wireProtocol: .json, configuration: configuration)
        let (slow, slowChannel) = (slowOne.connection, slowOne.channel)
        let (fine, fineChannel) = try Outbound.connection("fine", wireProtocol: .json)
        // A client that does not read: NIO reports its channel unwritable (the session tells the
        // writer; here it is told directly), and one frame waits.
        slowChannel.isWritable = false
        slowOne.writer.writabilityChanged()
        _ = slow.send(.text(ByteBuffer(string: "waiting")))
        let closed = NIOLockedValueBox<[String]>([])
        let delivery = Self.delivery { connection, reason in closed.withLockedValue { $0.append("\(connection.id): \(reason)") } }
        delivery.deliver(Self.publication("one"), to: RecipientSet([slow, fine]))
        slowChannel.embeddedEventLoop.run()
        fineChannel.embeddedEventLoop.run()
        #expect(closed.withLockedValue { $0 } == ["slow: SlowClient: more than 1 messages or \(configuration.outboundQueueByteLimit) bytes waiting to be sent"])
        #expect(try Outbound.texts(fineChannel).count == 1)
    }

    /// Records the frames written below the encoder of a real socket, as their payload texts.
    final class Recorder: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        var bytes = ByteBuffer()
        var texts: [String] { Outbound.frames(in: bytes).map(\.text) }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            var part = Self.unwrapOutboundIn(data)
            bytes.writeBuffer(&part)
            context.write(data, promise: promise)
        }
    }

    @Test("a publish made off the event loops (REST) hands each loop its share, where one alone is written at once and a burst goes out in one drain, in order; a loop that falls behind makes publishers wait")
    func handOffToEachLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let server = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        var connections: [(ClientConnection, any Channel)] = []
        let mailboxes = LoopMailboxes()
        for (index, loop) in group.makeIterator().enumerated() {
            let channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Recorder())
                        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
                    }
                }
                .connect(to: server.localAddress!).get()
            let connection = ClientConnection(
                id: "c\(index)", hub: "hub", userId: nil, wireProtocol: .simple, mailbox: mailboxes.mailbox(on: loop), roles: [], simpleSendGroup: nil,
                limits: ServiceConfiguration(port: 0)
            )
            let writer = try await loop.submit {
                let encoder = try channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
                return ChannelWriter(channel: channel, encoder: encoder, limit: 10_000)
            }.get()
            _ = connection.attach(Transport(frames: writer, close: { _ in }, id: 1))
            connections.append((connection, channel))
        }
        func written(_ channel: any Channel) async throws -> [String] {
            try await channel.eventLoop.submit { try channel.pipeline.syncOperations.handler(type: Recorder.self).texts }.get()
        }
        let recipients = RecipientSet(connections.map(\.0))
        #expect(recipients.shares.count == 2)

        // Each loop is held while the publish is handed over and a probe is queued behind it, so
        // the probe runs right after the delivery: it sees the frame only if the delivery wrote it
        // itself (a queued frame would wait for a drain task, which runs after the probe).
        func handOver(_ texts: [String]) async throws -> [[String]] {
            let gate = DispatchSemaphore(value: 0)
            for (_, channel) in connections { channel.eventLoop.execute { gate.wait() } }
            for text in texts { Self.delivery().deliver(Self.publication(text), to: recipients) }
            let probes = connections.map { _, channel in
                channel.eventLoop.submit { try channel.pipeline.syncOperations.handler(type: Recorder.self).texts }
            }
            for _ in connections { gate.signal() }
            var seen: [[String]] = []
            for probe in probes { seen.append(try await probe.get()) }
            return seen
        }
        #expect(try await handOver(["one"]) == [["one"], ["one"]])
        // A burst posted while the loop was busy is taken together and queued whole for one drain
        // (one writev per connection), which runs after the probe.
        #expect(try await handOver(["two", "three", "four"]) == [["one"], ["one"]])
        for (_, channel) in connections { #expect(try await written(channel) == ["one", "two", "three", "four"]) }

        // A loop that falls behind makes its publishers wait: past the mailbox's high-water mark a
        // publish returns a future, which completes once the loop has taken what waited.
        let gate = DispatchSemaphore(value: 0)
        for (_, channel) in connections { channel.eventLoop.execute { gate.wait() } }
        var waits: [EventLoopFuture<Void>] = []
        for index in 0...LoopMailbox.highWater {
            let report = Self.delivery().deliver(Self.publication("m\(index)"), to: recipients)
            if let wait = report.wait { waits.append(wait) }
        }
        #expect(waits.count == 1)
        #expect(recipients.shares.allSatisfy { $0.mailbox.waitingCount == LoopMailbox.highWater + 1 })
        for _ in connections { gate.signal() }
        for wait in waits { try await wait.get() }
        for (_, channel) in connections {
            _ = try await written(channel)
            #expect(try await written(channel).count == 4 + LoopMailbox.highWater + 1)
        }

        for (_, channel) in connections { try await channel.close() }
        try await server.close()
        try await group.shutdownGracefully()
    }
}
