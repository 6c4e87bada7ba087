import Logging
import NIOCore
import NIOPosix
import PubSubCore

/// How a publication reaches its recipients: its frames built once per wire format they need, each
/// recipient's delivered on the recipient's own event loop, and the slow-client policy (a recipient
/// that cannot keep up is closed, not waited for).
///
/// Every publisher takes the same path. The share of the recipients on the publisher's own loop (a
/// client's `sendToGroup`) is delivered at once; every other share, and all of a publish made off
/// the event loops (REST, SSE, event handlers), is posted to its loop's ``LoopMailbox``, which
/// delivers what was posted in one task: the first publication of the loop's turn is written at
/// once to each connection with nothing waiting (``PublishTurn``), a burst's later ones queue for one
/// drain. A publisher never touches another loop's sockets, and a connection's messages keep their
/// order: each of its publishes reaches its loop in the order they were made.
struct Delivery: Sendable {
    let logger: Logger
    /// Records slow clients and, when asked, each delivery.
    let tracer: Tracer
    /// Closes a connection that cannot keep up (``HubRegistry/close(_:code:reason:)``).
    let closeSlowClient: @Sendable (ClientConnection, _ reason: String) -> Void

    /// What a publish was handed to.
    struct Report: Equatable {
        /// Recipients, less the excluded (a slow one among them is closed when its share is
        /// delivered).
        var recipients = 0
        /// The encodings built for them.
        var encodings: WireFormats = []
        /// Set when a loop has more publications waiting than its mailbox's high-water mark: the
        /// publisher waits for it before publishing more (``LoopMailbox``).
        var wait: EventLoopFuture<Void>?
    }

    /// Delivers `publication` to `recipients`, less its excluded.
    @discardableResult
    func deliver(_ publication: Publication, to recipients: RecipientSet) -> Report {
        guard !recipients.isEmpty else { return Report() }
        let frames = PublicationFrames(publication, formats: recipients.formats)
        // Most publishes exclude nobody: then no connection id is hashed (nor its string touched).
        let excluded = publication.excluded
        var count = recipients.count
        if !excluded.isEmpty {
            count = 0
            for share in recipients.shares {
                for recipient in share.recipients where !excluded.contains(recipient.id) { count += 1 }
            }
        }
        let current = MultiThreadedEventLoopGroup.currentEventLoop
        var waits: [EventLoopFuture<Void>] = []
        for share in recipients.shares {
            if let current, share.mailbox.loop === current {
                var batch = DrainBatch(writeAtOnce: PublishTurn.claim())
                deliver(frames, to: share.recipients, of: publication, batch: &batch)
                batch.schedule()
            } else if let wait = share.mailbox.post(LoopMailbox.Posted(frames: frames, recipients: share.recipients, publication: publication), delivery: self) {
                waits.append(wait)
            }
        }
        var report = Report(recipients: count, encodings: frames.formats)
        if let first = waits.first {
            report.wait = waits.count == 1 ? first : EventLoopFuture.andAllComplete(waits, on: first.eventLoop)
        }
        return report
    }

    /// Delivers one loop's share of a publication, on that loop; the drains it needs join `batch`.
    func deliver(_ frames: PublicationFrames, to recipients: [ClientConnection], of publication: Publication, batch: inout DrainBatch) {
        let excluded = publication.excluded
        let excludes = !excluded.isEmpty
        let traceDeliveries = tracer.wantsDeliveries
        for recipient in recipients where !excludes || !excluded.contains(recipient.id) {
            if case .slowClient(let reason)? = recipient.deliver(frames, batch: &batch) {
                logger.warning(
                    "closing a client that cannot keep up",
                    metadata: ["pubsub.connection_id": "\(recipient.id)", "pubsub.hub": "\(recipient.hub)"]
                )
                tracer.record { TraceRecord(.slowClient, recipient, details: [("reason", .string(reason))]) }
                closeSlowClient(recipient, reason)
            } else if traceDeliveries {
                tracer.record { publication.delivery(to: recipient) }
            }
        }
    }
}
