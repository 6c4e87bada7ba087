import NIOCore
import NIOEmbedded
import NIOPosix
import NIOWebSocket
import Testing

@testable import PubSubService

@Suite("ChannelWriter")
struct ChannelWriterTests {
    /// A publish's frame, encoded once, as the service ships it; every writer here is given the
    /// frame encoder's context, as a session's is (``Outbound/writer(limit:byteLimit:)``).
    static func frame(_ text: String) -> QueuedFrame {
        Outbound.encoded(text)
    }

    /// The texts of the frames the writer wrote to the socket, in order.
    static func written(_ channel: EmbeddedChannel) throws -> [String] {
        try Outbound.texts(channel)
    }

    @Test("frames go out in the order queued, the limit counts every waiting frame, and a drain frees the queue")
    func orderAndLimit() throws {
        let (channel, writer) = try Outbound.writer(limit: 3)
        for text in ["one", "two", "three"] {
            #expect(writer.enqueue(Self.frame(text)) == .enqueued)
        }
        #expect(writer.enqueue(Self.frame("four")) == .full)
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel) == ["one", "two", "three"])

        // One frame alone (the usual drain), then two more behind it.
        #expect(writer.enqueue(Self.frame("five")) == .enqueued)
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel) == ["five"])
        #expect(writer.enqueue(Self.frame("six")) == .enqueued)
        #expect(writer.enqueue(Self.frame("seven")) == .enqueued)
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel) == ["six", "seven"])
        _ = try channel.finish()
    }

    /// Counts the bytes written through it, as TLS would encrypt them: it sits below the encoder.
    final class BelowEncoder: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        var seen: [ByteBuffer] = []
        var flushes = 0

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            seen.append(Self.unwrapOutboundIn(data))
            context.write(data, promise: promise)
        }

        func flush(context: ChannelHandlerContext) {
            flushes += 1
            context.flush()
        }
    }

    @Test("frames encoded once are written through the pipeline below the encoder, where a handler such as TLS sees them")
    func encodedFramesPassHandlersBelowTheEncoder() throws {
        let below = BelowEncoder()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(below)
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        let encoder = try channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        let writer = ChannelWriter(channel: channel, encoder: encoder, limit: 10)
        var buffer = ByteBuffer(repeating: 0, count: Framing.headerRoom)
        buffer.moveReaderIndex(forwardBy: Framing.headerRoom)
        buffer.writeString("hello")
        let payload = Framing.encodeText(&buffer)
        #expect(writer.enqueue(QueuedFrame(frame: .encoded(wire: buffer, payload: payload), deadline: nil)) == .enqueued)
        // A frame that is not encoded yet goes through the encoder, and then the same handler.
        #expect(writer.enqueue(Self.frame("plain")) == .enqueued)
        channel.embeddedEventLoop.run()
        #expect(below.seen.first == ByteBuffer(bytes: [0x81, 5] + Array("hello".utf8)))
        #expect(below.seen.count >= 2)
        #expect(below.flushes == 1)
        var wire = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { wire.writeBuffer(&part) }
        #expect(wire == ByteBuffer(bytes: [0x81, 5] + Array("hello".utf8) + [0x81, 5] + Array("plain".utf8)))
        _ = try channel.finish()
    }

    @Test("the byte limit takes one frame of any size into an empty queue and refuses what would pass it")
    func byteLimit() throws {
        let (channel, writer) = try Outbound.writer(limit: 10, byteLimit: 8)
        #expect(writer.enqueue(Self.frame(String(repeating: "x", count: 20))) == .enqueued)
        #expect(writer.enqueue(Self.frame("y")) == .full)
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel).map(\.count) == [20])
        #expect(writer.enqueue(Self.frame("12345")) == .enqueued)
        #expect(writer.enqueue(Self.frame("678")) == .enqueued)
        #expect(writer.enqueue(Self.frame("9")) == .full)
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel) == ["12345", "678"])
        _ = try channel.finish()
    }

    @Test("a publish on the channel's loop with nothing waiting writes at once; behind a waiting frame, or for a reliable session, it queues in order")
    func writeAtOnce() throws {
        let (channel, writer) = try Outbound.writer(limit: 3)
        var batch = DrainBatch(writeAtOnce: true)
        #expect(writer.enqueue(Self.frame("one"), batch: &batch) == .enqueued)
        // Written and flushed before any drain: no task was needed.
        #expect(try Self.written(channel) == ["one"])

        // A frame that waits for its drain (a control frame) keeps its place ahead of the publish.
        #expect(writer.enqueue(Outbound.plain("two")) == .enqueued)
        #expect(writer.enqueue(Self.frame("three"), batch: &batch) == .enqueued)
        #expect(try Self.written(channel).isEmpty)
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel) == ["two", "three"])

        // A reliable session's delivery always queues; the batch drains it.
        #expect(writer.enqueue(Self.frame("four"), batch: &batch, writeAtOnce: false) == .enqueued)
        #expect(try Self.written(channel).isEmpty)
        batch.schedule()
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel) == ["four"])

        // A publish that is not its loop turn's first always queues.
        var later = DrainBatch(writeAtOnce: false)
        #expect(writer.enqueue(Self.frame("4b"), batch: &later) == .enqueued)
        #expect(try Self.written(channel).isEmpty)
        later.schedule()
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel) == ["4b"])

        // Finished: nothing is written, at once or later.
        writer.finish()
        #expect(writer.enqueue(Self.frame("five"), batch: &batch) == .finished)
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel).isEmpty)
        _ = try channel.finish()
    }

    @Test("while NIO reports the channel unwritable nothing is written, at once or by a drain; once writable again what waited goes out in order")
    func writability() throws {
        let (channel, writer) = try Outbound.writer(limit: 3)
        channel.isWritable = false
        writer.writabilityChanged()
        var batch = DrainBatch(writeAtOnce: true)
        #expect(writer.enqueue(Self.frame("one"), batch: &batch) == .enqueued)
        #expect(writer.enqueue(Self.frame("two")) == .enqueued)
        batch.schedule()
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel).isEmpty)
        // The queue still counts what waits: a client that does not read fills it.
        #expect(writer.enqueue(Self.frame("three"), batch: &batch) == .enqueued)
        #expect(writer.enqueue(Self.frame("four"), batch: &batch) == .full)

        channel.isWritable = true
        writer.writabilityChanged()
        #expect(try Self.written(channel) == ["one", "two", "three"])
        // Writable and empty again: a publish writes at once.
        #expect(writer.enqueue(Self.frame("five"), batch: &batch) == .enqueued)
        #expect(try Self.written(channel) == ["five"])
        _ = try channel.finish()
    }

    @Test("the first publish of an event loop's turn may write at once, the rest of the turn may not, the next turn's first may again; off a loop none may")
    func publishTurn() async throws {
        #expect(PublishTurn.claim() == false)
        // A loop of its own: no test running beside this one takes its turns.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let loop = group.next()
        let first = try await loop.submit { [PublishTurn.claim(), PublishTurn.claim(), PublishTurn.claim()] }.get()
        #expect(first == [true, false, false])
        // A later task runs after the turn's reset.
        let next = try await loop.submit { PublishTurn.claim() }.get()
        #expect(next == true)
    }

    @Test("a finished writer drops what waits and takes nothing more")
    func finish() throws {
        let (channel, writer) = try Outbound.writer(limit: 3)
        #expect(writer.enqueue(Self.frame("one")) == .enqueued)
        #expect(writer.enqueue(Self.frame("two")) == .enqueued)
        writer.finish()
        #expect(writer.enqueue(Self.frame("three")) == .finished)
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel).isEmpty)
        _ = try channel.finish()
    }
}
