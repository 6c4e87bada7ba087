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
/// the event loops (REST, SSE, event handlers), is handed to its loop as one task. There the first
/// publish of the loop's turn writes each connection's frame at once (``PublishTurn``), and a burst's
/// later publishes queue and go out together. A publisher never touches another loop's sockets, and
/// a connection's messages keep their order: each of its publishes reaches its loop in the order
/// they were made.
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
        for share in recipients.shares {
            if let current, share.loop === current {
                deliver(frames, to: share.recipients, of: publication)
            } else {
                share.loop.execute { deliver(frames, to: share.recipients, of: publication) }
            }
        }
        return Report(recipients: count, encodings: frames.formats)
    }

    /// Delivers one loop's share, on that loop.
    private func deliver(_ frames: PublicationFrames, to recipients: [ClientConnection], of publication: Publication) {
        var batch = DrainBatch(writeAtOnce: PublishTurn.claim())
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
        batch.schedule()
    }
}
