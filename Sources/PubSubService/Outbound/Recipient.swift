import NIOCore
import PubSubCore

/// Whatever a hub delivers to: a WebSocket client of any subprotocol, a simple client, and any
/// protocol added later. It has an id and perhaps a user (its groups, and so its filter subject,
/// are the routing table's: ``HubRoutes/subject(of:)``), the event loop its deliveries are made on,
/// and a wire format; a delivery asks the publication's frames for the frame in that format.
protocol Recipient: AnyObject, Sendable {
    var id: String { get }
    var userId: String? { get }
    /// Where deliveries to it are posted: the mailbox of its socket's event loop, so that the frame
    /// can be written at once.
    var mailbox: LoopMailbox { get }
    /// The encoding it receives messages in.
    var wireFormat: WireFormat { get }
    /// Queues (or writes at once) the publication's frame in ``wireFormat``; the drain it needs, if
    /// any, joins `batch`.
    func deliver(_ frames: PublicationFrames, batch: inout DrainBatch) -> DeliveryFailure?
}

/// What went wrong with a delivery, for the delivery's slow-client policy to act on.
enum DeliveryFailure: Sendable, Equatable {
    /// The outbound queue or the unacked buffer overflowed: the client cannot keep up.
    case slowClient(String)
}

/// A set of wire formats, to know which encodings a publish must build.
struct WireFormats: OptionSet, Sendable, Hashable {
    let rawValue: UInt8

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    init(_ format: WireFormat) {
        switch format {
        case .simple: rawValue = 1
        case .json: rawValue = 2
        }
    }

    func contains(_ format: WireFormat) -> Bool { contains(WireFormats(format)) }
}
