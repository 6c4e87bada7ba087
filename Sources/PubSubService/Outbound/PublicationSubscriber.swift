/// Something that sees every message published to a hub besides its connections: the SSE
/// brokers (``SSEHubs``), the live trace (``Tracer``), and later other subprotocols' endpoints.
/// Called on the publisher's thread once the connections have it queued; must not block.
protocol PublicationSubscriber: Sendable {
    /// `recipients` is how many connections it was queued for.
    func published(_ publication: Publication, recipients: Int)
}

extension SSEHubs: PublicationSubscriber {
    /// Hub-wide and group messages without a filter go to the hub's SSE readers too.
    func published(_ publication: Publication, recipients: Int) {
        if let stream = publication.sseStream { publish(publication.payload, hub: publication.hub, to: stream) }
    }
}

extension Tracer: PublicationSubscriber {
    func published(_ publication: Publication, recipients: Int) {
        record { publication.record(recipients: recipients) }
    }
}
