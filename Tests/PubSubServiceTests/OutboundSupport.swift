import NIOCore
import NIOEmbedded
import NIOWebSocket
import PubSubCore

@testable import PubSubService

/// What the service's outbound path is made of in tests, as it ships: a channel whose pipeline has
/// NIO's frame encoder, a writer given the encoder's context, and the frames read back off the
/// wire. Each test has its own `EmbeddedChannel`, so its own event loop.
enum Outbound {
    /// A channel with the frame encoder, and a writer that writes encoded frames below it.
    static func writer(limit: Int = 100, byteLimit: Int = .max) throws -> (EmbeddedChannel, ChannelWriter) {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        let encoder = try channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        return (channel, ChannelWriter(channel: channel, encoder: encoder, limit: limit, byteLimit: byteLimit))
    }

    /// A text frame encoded once, as a publish to JSON clients makes it.
    static func encoded(_ text: String) -> QueuedFrame {
        var buffer = ByteBuffer(repeating: 0, count: Framing.headerRoom)
        buffer.moveReaderIndex(forwardBy: Framing.headerRoom)
        buffer.writeString(text)
        let payload = Framing.encodeText(&buffer)
        return QueuedFrame(frame: .encoded(wire: buffer, payload: payload), deadline: nil)
    }

    /// A frame that is not encoded yet (a control message): it passes the encoder.
    static func plain(_ text: String) -> QueuedFrame {
        QueuedFrame(frame: .text(ByteBuffer(string: text)), deadline: nil)
    }

    /// The data frames written to the socket since the last call, as (opcode, payload text):
    /// parsed from the bytes on the wire (a server's frames are unmasked, RFC 6455 §5.2).
    static func written(_ channel: EmbeddedChannel) throws -> [(opcode: UInt8, text: String)] {
        var wire = ByteBuffer()
        while var part = try channel.readOutbound(as: ByteBuffer.self) { wire.writeBuffer(&part) }
        return frames(in: wire)
    }

    /// The frames in bytes as a server sends them.
    static func frames(in bytes: ByteBuffer) -> [(opcode: UInt8, text: String)] {
        var wire = bytes
        var frames: [(UInt8, String)] = []
        while let first = wire.readInteger(as: UInt8.self), let second = wire.readInteger(as: UInt8.self) {
            var length = Int(second & 0x7F)
            if length == 126 { length = Int(wire.readInteger(as: UInt16.self) ?? 0) }
            if length == 127 { length = Int(wire.readInteger(as: UInt64.self) ?? 0) }
            let payload = wire.readString(length: length) ?? ""
            frames.append((first & 0x0F, payload))
        }
        return frames
    }

    /// The payload texts of ``written(_:)``.
    static func texts(_ channel: EmbeddedChannel) throws -> [String] {
        try written(channel).map(\.text)
    }

    /// A connection of `wireProtocol` on `channel`'s loop, attached to a writer on it (a JSON
    /// connection's `connected` frame is read off and dropped).
    static func connection(_ id: String, wireProtocol: ClientSubprotocol) throws -> (ClientConnection, EmbeddedChannel) {
        let attached = try attached(id, wireProtocol: wireProtocol)
        return (attached.connection, attached.channel)
    }

    struct Attached {
        let connection: ClientConnection
        let channel: EmbeddedChannel
        let writer: ChannelWriter
    }

    /// ``connection(_:wireProtocol:)`` with its writer, and limits of the test's choosing.
    static func attached(_ id: String, wireProtocol: ClientSubprotocol, configuration: ServiceConfiguration = ServiceConfiguration(port: 0)) throws -> Attached {
        let (channel, writer) = try Outbound.writer(limit: configuration.outboundQueueLimit, byteLimit: configuration.outboundQueueByteLimit)
        let connection = ClientConnection(
            id: id,
            hub: "hub",
            userId: nil,
            wireProtocol: wireProtocol,
            mailbox: LoopMailbox(loop: channel.eventLoop),
            roles: [],
            simpleSendGroup: nil,
            limits: configuration
        )
        _ = connection.attach(Transport(frames: writer, close: { _ in }, id: 1))
        channel.embeddedEventLoop.run()
        _ = try written(channel)
        return Attached(connection: connection, channel: channel, writer: writer)
    }
}
