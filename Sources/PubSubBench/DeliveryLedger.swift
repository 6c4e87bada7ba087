/// What one subscriber received from each publisher: every sequence number once (a bitset), so
/// that loss and duplication are counted exactly, whatever the order of arrival.
public struct DeliveryLedger: Sendable {
    /// Bitsets indexed by publisher.
    private var seen: [[UInt64]] = []
    /// Deliveries that were not the first of their sequence number.
    public private(set) var duplicates = 0
    /// Distinct messages received.
    public private(set) var unique = 0

    public init() {}

    /// Records one delivery; false when it was a duplicate.
    @discardableResult
    public mutating func record(publisher: Int, sequence: UInt64) -> Bool {
        if publisher >= seen.count { seen += Array(repeating: [], count: publisher + 1 - seen.count) }
        let word = Int(sequence / 64)
        let bit = UInt64(1) << (sequence % 64)
        if word >= seen[publisher].count {
            seen[publisher] += Array(repeating: 0, count: max(word + 1 - seen[publisher].count, seen[publisher].count))
        }
        if seen[publisher][word] & bit != 0 {
            duplicates += 1
            return false
        }
        seen[publisher][word] |= bit
        unique += 1
        return true
    }

    /// Whether `sequence` of `publisher` arrived.
    public func contains(publisher: Int, sequence: UInt64) -> Bool {
        guard publisher < seen.count else { return false }
        let word = Int(sequence / 64)
        guard word < seen[publisher].count else { return false }
        return seen[publisher][word] & (UInt64(1) << (sequence % 64)) != 0
    }

    /// Of `expected[p]` messages from each publisher `p` (sequences 0..<expected[p]), how many never arrived.
    public func missing(expected: [UInt64]) -> UInt64 {
        var missing: UInt64 = 0
        for (publisher, count) in expected.enumerated() {
            var present: UInt64 = 0
            if publisher < seen.count {
                let words = seen[publisher]
                let fullWords = Int(count / 64)
                for index in 0..<min(fullWords, words.count) { present += UInt64(words[index].nonzeroBitCount) }
                let rest = count % 64
                if rest > 0, fullWords < words.count {
                    present += UInt64((words[fullWords] & ((UInt64(1) << rest) - 1)).nonzeroBitCount)
                }
            }
            missing += count - present
        }
        return missing
    }
}
