import NIOCore
import PubSubCore

/// The recipients of a publish, grouped by the event loop each is delivered on (a handful: one per
/// core), with the wire formats they need between them. A group and the hub keep theirs between
/// publishes (``GroupMembers``).
struct RecipientSet: Sendable {
    /// The recipients delivered on one event loop, and its mailbox.
    struct Share: Sendable {
        let mailbox: LoopMailbox
        var recipients: [ClientConnection]
    }

    private(set) var shares: [Share] = []
    /// The encodings these recipients receive.
    private(set) var formats: WireFormats = []
    private(set) var count = 0

    init() {}

    init(_ connections: some Sequence<ClientConnection>) {
        for connection in connections { append(connection) }
    }

    var isEmpty: Bool { count == 0 }

    /// Every recipient, share after share.
    var all: [ClientConnection] { shares.flatMap(\.recipients) }

    mutating func append(_ connection: ClientConnection) {
        let mailbox = connection.mailbox
        // A scan beats hashing for a handful of loops.
        if let index = shares.firstIndex(where: { $0.mailbox === mailbox }) {
            shares[index].recipients.append(connection)
        } else {
            shares.append(Share(mailbox: mailbox, recipients: [connection]))
        }
        formats.insert(WireFormats(connection.wireFormat))
        count += 1
    }

    /// The recipients `include` keeps.
    func filter(_ include: (ClientConnection) -> Bool) -> RecipientSet {
        var kept = RecipientSet()
        for share in shares {
            for connection in share.recipients where include(connection) { kept.append(connection) }
        }
        return kept
    }
}
