import Foundation
import Histogram
import NIOCore
import NIOPosix
import NIOWebSocket
import PubSubClient
import PubSubBenchWire
import PubSubCore
import Synchronization

/// The Web PubSub subprotocol a bench client speaks.
public enum BenchProtocol: String, Sendable, CaseIterable, Codable {
    /// `json.webpubsub.azure.v1`.
    case json
    /// `json.reliable.webpubsub.azure.v1`: the client acks sequence ids as a real one does.
    case reliable
    /// No subprotocol: frames are the messages themselves; groups come from the token.
    case simple

    var subprotocols: [String] {
        switch self {
        case .json: return ["json.webpubsub.azure.v1"]
        case .reliable: return ["json.reliable.webpubsub.azure.v1"]
        case .simple: return []
        }
    }
}

/// Counters every connection of a run adds to, read by the progress line and the report.
final class BenchCounters: Sendable {
    let delivered = Atomic<Int>(0)
    let published = Atomic<Int>(0)
    let publishFailures = Atomic<Int>(0)
    let closedByService = Atomic<Int>(0)
    /// Subscribers that have received a warm-up message (raw servers: their subscription is in effect).
    let warmedUp = Atomic<Int>(0)
}

/// What the connections on one event loop measured; touched only on that loop.
///
/// The per-delivery fields skip the runtime's dynamic exclusivity checks (`@exclusivity(unchecked)`):
/// they are only touched on their event loop, one access at a time, and the checks were a tenth of
/// the load generator's CPU per delivery (CPU the service under test then lacks).
final class LoopStats {
    @exclusivity(unchecked) var latency = Histogram<UInt64>.latency()
    /// Monotonic time of the latest delivery on this loop.
    @exclusivity(unchecked) var lastDelivery: UInt64 = 0
}

/// One `LoopStats` per event loop, so that recording a latency takes no lock.
final class LoopStatsRegistry: Sendable {
    private let boxes = Mutex<[ObjectIdentifier: NIOLoopBound<LoopStats>]>([:])

    /// The stats of the calling event loop; call on `loop`.
    func stats(on loop: any EventLoop) -> LoopStats {
        let key = ObjectIdentifier(loop)
        if let box = boxes.withLock({ $0[key] }) { return box.value }
        let box = NIOLoopBound(LoopStats(), eventLoop: loop)
        boxes.withLock { $0[key] = box }
        return box.value
    }

    /// Every loop's histogram merged, and the latest delivery time.
    func collect() async throws -> (latency: Histogram<UInt64>, lastDelivery: UInt64) {
        var merged = Histogram<UInt64>.latency()
        var last: UInt64 = 0
        for box in boxes.withLock({ Array($0.values) }) {
            let (histogram, lastDelivery) = try await box.eventLoop.submit { (box.value.latency, box.value.lastDelivery) }.get()
            merged.add(histogram)
            last = max(last, lastDelivery)
        }
        return (merged, last)
    }
}

/// Reads one bench connection's frames on its event loop: finds bench payloads without decoding
/// JSON, records their latency and sequence numbers, acks a reliable connection's sequence ids,
/// answers pings, and completes the acks of its own requests (joins).
///
/// Like ``LoopStats``, the fields touched per delivery skip the dynamic exclusivity checks: a NIO
/// handler is only used on its channel's event loop, and no access to them overlaps another.
final class BenchClientHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let kind: BenchProtocol
    /// The group index this subscriber expects messages for; nil: any (hub-wide).
    let groupIndex: Int?
    private let counters: BenchCounters
    private let registry: LoopStatsRegistry
    @exclusivity(unchecked) private var stats: LoopStats?
    private var context: ChannelHandlerContext?

    @exclusivity(unchecked) private(set) var ledger = DeliveryLedger()
    /// Bench messages meant for another group.
    @exclusivity(unchecked) private(set) var misrouted = 0
    /// The close code the service sent, if it closed.
    private(set) var closeCode: UInt16?
    @exclusivity(unchecked) private var fragments: ByteBuffer?
    /// Finds payloads in frames, keeping the start of one a frame ended in (a broker that batches
    /// messages may split one).
    @exclusivity(unchecked) private var scanner = PayloadScanner()
    private var nextAckId: UInt64 = 1
    private var pendingAcks: [UInt64: EventLoopPromise<Void>] = [:]
    @exclusivity(unchecked) private var highestSequenceId: UInt64 = 0
    @exclusivity(unchecked) private var unackedSequenceIds = 0
    /// Whether a text or binary frame has arrived; who waits for the first.
    @exclusivity(unchecked) private var sawFrame = false
    private var firstFrame: EventLoopPromise<Void>?
    /// Whether a warm-up message has arrived.
    @exclusivity(unchecked) private var warmedUp = false

    init(kind: BenchProtocol, groupIndex: Int?, counters: BenchCounters, registry: LoopStatsRegistry) {
        self.kind = kind
        self.groupIndex = groupIndex
        self.counters = counters
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        stats = registry.stats(on: context.eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            if !sawFrame {
                sawFrame = true
                firstFrame?.succeed()
                firstFrame = nil
            }
            if frame.fin {
                handle(frame.unmaskedData, context: context)
            } else {
                fragments = frame.unmaskedData
            }
        case .continuation:
            var data = frame.unmaskedData
            fragments?.writeBuffer(&data)
            if frame.fin, let whole = fragments {
                fragments = nil
                handle(whole, context: context)
            }
        case .ping:
            write(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData), context: context)
        case .connectionClose:
            var data = frame.unmaskedData
            closeCode = data.readWebSocketErrorCode().map { UInt16(webSocketErrorCode: $0) }
            counters.closedByService.add(1, ordering: .relaxed)
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let pending = pendingAcks
        pendingAcks = [:]
        for promise in pending.values { promise.fail(BenchError.connectionClosed(closeCode)) }
        firstFrame?.fail(BenchError.connectionClosed(closeCode))
        firstFrame = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func handle(_ frame: ByteBuffer, context: ChannelHandlerContext) {
        // A Web PubSub frame carries one message; a broker may batch several into one frame (NATS).
        var deliveries = 0
        let buffer = scanner.feed(frame) { payload in
            deliveries += 1
            record(payload)
        }
        let bytes = buffer.readableBytesView
        if kind == .reliable, let sequenceId = Self.sequenceId(in: bytes) {
            highestSequenceId = max(highestSequenceId, sequenceId)
            unackedSequenceIds += 1
            if unackedSequenceIds >= 64 { acknowledgeSequence(context: context) }
        }
        if deliveries > 0 { return }
        if !warmedUp, Self.find(BenchPayload.warmUpMarker, in: bytes) != nil {
            warmedUp = true
            counters.warmedUp.add(1, ordering: .relaxed)
            return
        }
        if kind != .simple, let (ackId, success, error) = Self.ack(in: buffer) {
            guard let promise = pendingAcks.removeValue(forKey: ackId) else { return }
            if success { promise.succeed() } else { promise.fail(BenchError.refused(error)) }
        }
    }

    private func record(_ payload: BenchPayload) {
        let now = NIODeadline.now().uptimeNanoseconds
        if let stats {
            if now > payload.sentNanoseconds { stats.latency.recordNanoseconds(now - payload.sentNanoseconds) }
            stats.lastDelivery = now
        }
        if let groupIndex, payload.group != groupIndex {
            misrouted += 1
        } else {
            ledger.record(publisher: payload.publisher, sequence: payload.sequence)
        }
        counters.delivered.add(1, ordering: .relaxed)
    }

    /// Succeeds once the server has sent a text or binary frame (at once if it has); fails if the
    /// connection closes first. Call on the loop.
    func awaitFirstFrame() -> EventLoopFuture<Void> {
        guard let context else { return MultiThreadedEventLoopGroup.singleton.any().makeFailedFuture(BenchError.connectionClosed(nil)) }
        if sawFrame { return context.eventLoop.makeSucceededVoidFuture() }
        if let firstFrame { return firstFrame.futureResult }
        let promise = context.eventLoop.makePromise(of: Void.self)
        firstFrame = promise
        return promise.futureResult
    }

    /// Sends a request that carries an ackId; the future completes with its ack. Call on the loop.
    func request(_ build: (UInt64) -> String) -> EventLoopFuture<Void> {
        guard let context else { return MultiThreadedEventLoopGroup.singleton.any().makeFailedFuture(BenchError.connectionClosed(nil)) }
        let ackId = nextAckId
        nextAckId += 1
        let promise = context.eventLoop.makePromise(of: Void.self)
        pendingAcks[ackId] = promise
        write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: build(ackId))), context: context)
        return promise.futureResult
    }

    /// Acks every sequence id seen so far (reliable connections; also at the end of a run).
    func acknowledgeSequence(context: ChannelHandlerContext? = nil) {
        guard kind == .reliable, unackedSequenceIds > 0, let context = context ?? self.context else { return }
        unackedSequenceIds = 0
        let text = #"{"type":"sequenceAck","sequenceId":\#(highestSequenceId)}"#
        write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text)), context: context)
    }

    private func write(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    /// `{"sequenceId":N,` at the start of a reliable message.
    static func sequenceId(in bytes: ByteBufferView) -> UInt64? {
        let prefix = Array(#"{"sequenceId":"#.utf8)
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return nil }
        var value: UInt64 = 0
        var index = bytes.startIndex + prefix.count
        var digits = 0
        while index < bytes.endIndex, case let byte = bytes[index], byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            value = value &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }

    /// An ack frame's ackId, success and error name, found by scanning (the service writes
    /// `{"type":"ack","ackId":N,"success":…}`); the error is decoded only when there is one.
    static func ack(in buffer: ByteBuffer) -> (UInt64, Bool, String?)? {
        let bytes = buffer.readableBytesView
        guard find(ackType, in: bytes) != nil, let idEnd = find(ackIdKey, in: bytes) else { return nil }
        var index = idEnd
        var ackId: UInt64 = 0
        var digits = 0
        while index < bytes.endIndex, case let byte = bytes[index], byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            ackId = ackId &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        guard digits > 0 else { return nil }
        if find(successTrue, in: bytes) != nil { return (ackId, true, nil) }
        var error: String?
        if case .object(let object)? = try? JSONValue.parse(Array(bytes), what: "ack"), case .object(let detail)? = object["error"] {
            error = [detail["name"]?.stringValue, detail["message"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
        }
        return (ackId, false, error)
    }

    /// Where `needle` ends in `bytes`, if it occurs. A plain scan: the generic `firstRange(of:)`
    /// was a tenth of the bench client's CPU in a connection storm.
    static func find(_ needle: [UInt8], in bytes: ByteBufferView) -> Int? {
        guard let first = needle.first, needle.count <= bytes.count else { return nil }
        var start = bytes.startIndex
        let last = bytes.endIndex - needle.count
        while start <= last {
            if bytes[start] == first {
                var matched = 1
                while matched < needle.count, bytes[start + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return start + needle.count }
            }
            start += 1
        }
        return nil
    }

    private static let ackType = Array(#""type":"ack""#.utf8)
    private static let ackIdKey = Array(#""ackId":"#.utf8)
    private static let successTrue = Array(#""success":true"#.utf8)
}

/// Why a bench connection failed.
public enum BenchError: Error, CustomStringConvertible, Sendable {
    case connectionClosed(UInt16?)
    case refused(String?)

    public var description: String {
        switch self {
        case .connectionClosed(let code?): return "the service closed the connection (\(code))"
        case .connectionClosed(nil): return "the connection closed"
        case .refused(let error): return "the service refused the request\(error.map { ": \($0)" } ?? "")"
        }
    }
}

/// An open bench connection: its channel and, bound to its event loop, its handler.
struct BenchClient: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<BenchClientHandler>

    /// Joins a group and waits for the ack.
    func join(_ group: String) -> EventLoopFuture<Void> {
        let text = JSONValue.string(group).compactJSONString()
        let request: @Sendable () -> EventLoopFuture<Void> = {
            handler.value.request { #"{"type":"joinGroup","group":\#(text),"ackId":\#($0)}"# }
        }
        // On the connection's own loop (where a connection storm opens and joins), without a task.
        return channel.eventLoop.inEventLoop ? request() : channel.eventLoop.flatSubmit(request)
    }

    /// Sends a frame as is (a publisher's `sendToGroup`).
    func send(_ text: String) -> EventLoopFuture<Void> {
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text)))
    }

    /// Sends bytes as one frame (a raw server's preamble or publish).
    @discardableResult
    func sendRaw(_ bytes: [UInt8], binary: Bool) -> EventLoopFuture<Void> {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return channel.writeAndFlush(WebSocketFrame(fin: true, opcode: binary ? .binary : .text, maskKey: .random(), data: buffer))
    }

    /// What it received, read on its loop (after a final sequence ack on a reliable connection).
    func results() async throws -> (ledger: DeliveryLedger, misrouted: Int, closeCode: UInt16?) {
        try await channel.eventLoop.submit {
            let handler = handler.value
            handler.acknowledgeSequence()
            return (handler.ledger, handler.misrouted, handler.closeCode)
        }.get()
    }

    func close() async {
        try? await channel.close()
    }
}
