/// A set of connections by id (a group's, or the hub's), and the ``RecipientSet`` a publish to it
/// takes: kept between publishes and rebuilt after a join or leave, so that a steady fan-out copies
/// no member into a new array (one retain of the set instead of one per member).
struct GroupMembers {
    private var byId: [String: ClientConnection] = [:]
    private var cached: RecipientSet?

    subscript(id: String) -> ClientConnection? {
        get { byId[id] }
        set {
            byId[id] = newValue
            cached = nil
        }
    }

    var isEmpty: Bool { byId.isEmpty }

    /// Every member, in no particular order.
    var members: [ClientConnection] { Array(byId.values) }

    /// Every member, by event loop.
    mutating func recipients() -> RecipientSet {
        if let cached { return cached }
        let recipients = RecipientSet(byId.values)
        cached = recipients
        return recipients
    }
}
