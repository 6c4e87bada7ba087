#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import NIOCore
import PubSubCore

/// What the listening socket does when `accept` fails for want of a resource: out of file
/// descriptors (`EMFILE` for the process, `ENFILE` for the system) or of kernel memory (`ENOBUFS`,
/// `ENOMEM`).
///
/// Without it the event loop tried again at once, forever: the connection that could not be
/// accepted keeps the listening socket readable, so a service at its `ulimit -n` used a whole core
/// until clients left. NIO's `AcceptBackoffHandler` stops reading the listening socket for
/// ``retryInterval`` after such a failure; connections already open are served all along, and a
/// connection waiting in the kernel's accept queue is accepted at the first retry after a
/// descriptor frees up. ``AcceptFailureReporter`` says so once per episode.
enum AcceptBackoff {
    /// How long accepting pauses after a failure for want of a resource: ten tries a second cost
    /// nothing, and a descriptor that frees up is used within a tenth of a second.
    static let retryInterval = TimeAmount.milliseconds(100)

    static func isResourceExhaustion(_ error: IOError) -> Bool {
        switch error.errnoCode {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM: true
        default: false
        }
    }

    /// The pause after a failed accept: ``retryInterval`` for resource exhaustion; none for
    /// anything else (a connection aborted before it was accepted is simply gone).
    static func delay(after error: IOError) -> TimeAmount? {
        isResourceExhaustion(error) ? retryInterval : nil
    }

    /// The handlers for a listening channel's pipeline, in order.
    static func handlers(logger: Logger) -> [any ChannelHandler] {
        [AcceptBackoffHandler(shouldForwardIOErrorCaught: true, backoffProvider: delay(after:)), AcceptFailureReporter(logger: logger)]
    }
}

/// Logs an episode of failed accepts once, when it starts, with the limit and how to raise it, and
/// once more when accepting works again; the errors stop here (the backoff has handled them).
final class AcceptFailureReporter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel

    private let logger: Logger
    private var failingSince: NIODeadline?
    private var failures = 0

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, AcceptBackoff.isResourceExhaustion(error) else {
            context.fireErrorCaught(error)
            return
        }
        failures += 1
        guard failingSince == nil else { return }
        failingSince = .now()
        logger.warning(
            "cannot accept connections: \(Self.explain(error)); connections already open are still served, and accepting is retried every \(AcceptBackoff.retryInterval.nanoseconds / 1_000_000) ms"
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
