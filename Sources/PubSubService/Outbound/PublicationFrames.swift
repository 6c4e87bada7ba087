import NIOCore
import PubSubCore

/// One publication's frames, one per wire format its recipients receive, each built once and only
/// when a recipient needs it: a group of JSON clients pays for no other encoding. Recipients ask
/// for theirs (``json``, ``simple``); a new wire format adds its encoding here.
struct PublicationFrames: Sendable {
    /// The encodings built.
    let formats: WireFormats
    /// REST `messageTtlSeconds`: a recipient that has not been sent the message by then skips it.
    let deadline: ContinuousClock.Instant?
    /// The JSON subprotocols' frame, if a JSON recipient receives it.
    let json: JSONMessageFrame?
    /// Its two parts that recipients take, kept apart so that a delivery copies one reference, not
    /// the whole frame: what a json.webpubsub.azure.v1 socket is sent, and what a reliable
    /// connection sends behind its `{"sequenceId":N,`.
    let jsonWire: OutboundFrame?
    let jsonTail: ByteBuffer?
    /// What a simple WebSocket client receives, if one does: the message's own bytes, as text, or
    /// binary for binary payloads (no copy).
    let simple: OutboundFrame?

    init(_ publication: Publication, formats: WireFormats) {
        self.formats = formats
        deadline = publication.deadline
        json = formats.contains(.json) ? JSONMessageFrame(source: publication.source, message: publication.payload) : nil
        jsonWire = json?.encodedJSONFrame
        jsonTail = json?.jsonTail
        if formats.contains(.simple) {
            switch publication.payload.type {
            case .text, .json: simple = .text(publication.payload.bytes)
            case .binary, .protobuf: simple = .binary(publication.payload.bytes)
            }
        } else {
            simple = nil
        }
    }
}
