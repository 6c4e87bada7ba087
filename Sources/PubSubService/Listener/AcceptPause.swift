#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import NIOCore
import PubSubCore

/// Pauses the listening socket when `accept` fails for want of a resource: out of file
/// descriptors (`EMFILE` for the process, `ENFILE` for the system) or of kernel memory (`ENOBUFS`,
/// `ENOMEM`).
///
/// Without it the event loop tried again at once, forever: the connection that could not be
/// accepted keeps the listening socket readable, so a service at its `ulimit -n` used a whole core
/// until clients left. NIO's `AcceptBackoffHandler` does not help here: it delays the channel's
/// next `read`, but when the first `accept` of a read fails the channel's read stays pending and
/// the socket stays registered, so no `read` is ever asked for and the loop spins on (measured: 97 %
/// of a core with it in the pipeline). It turns `autoRead` off instead, which takes the
/// listening socket out of the poll set, and on again after ``retryInterval``. Connections already
/// open are served all along; a connection waiting in the kernel's accept queue is accepted at the
/// first retry after a descriptor frees up. Each episode is logged once, when it starts, with the
/// limit and how to raise it (and, at notice level, when accepting works again). The errors stop here.
final class AcceptPause: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel

    /// How long accepting pauses after a failure for want of a resource: ten tries a second cost
    /// nothing, and a descriptor that frees up is used within a tenth of a second.
    static let retryInterval = TimeAmount.milliseconds(100)

    static func isResourceExhaustion(_ error: IOError) -> Bool {
        switch error.errnoCode {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM: true
        default: false
        }
    }

    private let logger: Logger
    private var failingSince: NIODeadline?
    private var failures = 0
    private var resume: Scheduled<Void>?

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, Self.isResourceExhaustion(error) else {
            context.fireErrorCaught(error)
            return
        }
        failures += 1
        pause(context: context)
        guard failingSince == nil else { return }
        failingSince = .now()
        logger.warning(
            "cannot accept connections: \(Self.explain(error)); connections already open are still served, and accepting is retried every \(Self.retryInterval.nanoseconds / 1_000_000) ms"
        )
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let since = failingSince {
            let waited = (NIODeadline.now() - since).nanoseconds / 1_000_000
            logger.notice("accepting connections again after \(waited) ms (\(failures) attempts failed meanwhile)")
            failingSince = nil
            failures = 0
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
        context.fireChannelInactive()
    }

    /// `autoRead` off takes the listening socket out of the poll set; back on, NIO reads (accepts)
    /// again at once.
    private func pause(context: ChannelHandlerContext) {
        guard resume == nil, let options = context.channel.syncOptions else { return }
        do {
            try options.setOption(ChannelOptions.autoRead, value: false)
        } catch {
            return  // closing: nothing more to accept
        }
        let channel = NIOLoopBound(context.channel, eventLoop: context.eventLoop)
        resume = context.eventLoop.assumeIsolated().scheduleTask(in: Self.retryInterval) { [self] in
            resume = nil
            guard channel.value.isActive else { return }
            try? channel.value.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        }
    }

    static func explain(_ error: IOError) -> String {
        switch error.errnoCode {
        case EMFILE:
            let limit = OpenFilesLimit.read().map { " of \($0.current)" } ?? ""
            return "the process has reached its limit\(limit) open files (EMFILE; ulimit -n): \(OpenFilesLimit.howToRaise)"
        case ENFILE:
            return "the system has reached its limit of open files (ENFILE): raise fs.file-max (sysctl) or close other programs' files"
        default:
            return "the kernel is out of memory for sockets (\(error.errnoCode == ENOBUFS ? "ENOBUFS" : "ENOMEM"))"
        }
    }
}
