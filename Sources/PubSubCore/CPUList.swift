/// A Linux CPU list, as in /proc/self/status's `Cpus_allowed_list` ("0", "0-3", "0,2,4-7"): the
/// cores this process may run on, which `taskset` and container CPU sets narrow and
/// `System.coreCount` does not see. The service sizes its event loops by it.
public enum CPUList {
    /// How many CPUs the list names; nil when it is not a CPU list. Bounded: ranges count at most
    /// 65,536 CPUs each and the count saturates, so no input traps.
    public static func count(_ text: Substring) -> Int? {
        var total = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let first = bounds.first, let low = number(first) else { return nil }
            var high = low
            if bounds.count == 2 {
                guard let value = number(bounds[1]), value >= low else { return nil }
                high = value
            }
            total = total &+ min(high - low + 1, 65_536)
            if total > 65_536 { return 65_536 }
        }
        return total
    }

    /// The `Cpus_allowed_list` line of a /proc/<pid>/status text, counted.
    public static func allowedCount(status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed_list:") {
            return count(line.dropFirst("Cpus_allowed_list:".count).drop { $0 == " " || $0 == "\t" })
        }
        return nil
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 6, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
