import Foundation

/// Reads a local service's memory and CPU time from /proc, finding its process by the TCP port it
/// listens on (Linux only; nil elsewhere or when the service is not on this machine).
public struct ServiceProbe: Sendable {
    public let pid: Int32

    public init(pid: Int32) {
        self.pid = pid
    }

    /// The process listening on `port` on a local address, if this user can see it.
    ///
    /// The kernel writes /proc/net/tcp a page per read and walks its socket tables again for the
    /// next page, so while other sockets open and close (a busy service, or the tests' own
    /// services in parallel) a pass can skip a listener that is there: three passes in a row once
    /// all missed one in CI. The table is therefore read in one `read` of up to 4 MB (one walk),
    /// and up to 20 passes are made, 10 ms apart, before giving up.
    public static func listening(on port: Int) -> ServiceProbe? {
        for attempt in 0..<20 {
            if let probe = findListening(on: port) { return probe }
            if attempt < 19 { usleep(10_000) }
        }
        return nil
    }

    /// The whole of a /proc table in as few reads as possible (procfs reports a size of 0).
    private static func readTable(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let capacity = 4 << 20
        var bytes = [UInt8](repeating: 0, count: capacity)
        var filled = 0
        while filled < capacity {
            let count = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + filled, capacity - filled)
            }
            if count <= 0 { break }
            filled += count
        }
        return String(decoding: bytes[0..<filled], as: UTF8.self)
    }

    private static func findListening(on port: Int) -> ServiceProbe? {
        var inodes: Set<String> = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = readTable(table) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // local_address is "HEXIP:HEXPORT"; state 0A is LISTEN; the inode is field 9.
                guard fields.count > 9, fields[3] == "0A", let portText = fields[1].split(separator: ":").last,
                    Int(portText, radix: 16) == port
                else { continue }
                inodes.insert(String(fields[9]))
            }
        }
        guard !inodes.isEmpty, let processes = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in processes {
            guard let pid = Int32(entry), let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(entry)/fd") else { continue }
            for descriptor in descriptors {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/fd/\(descriptor)"),
                    target.hasPrefix("socket:[")
                else { continue }
                if inodes.contains(String(target.dropFirst(8).dropLast())) { return ServiceProbe(pid: pid) }
            }
        }
        return nil
    }

    /// Resident memory in bytes (`VmRSS`).
    public func residentBytes() -> Int? {
        statusKilobytes("VmRSS:").map { $0 * 1024 }
    }

    /// Resident anonymous memory in bytes (`RssAnon`: heap, stacks; not the binary's code pages,
    /// which a process touches once as new code runs, whatever the number of connections).
    public func anonymousResidentBytes() -> Int? {
        statusKilobytes("RssAnon:").map { $0 * 1024 }
    }

    private func statusKilobytes(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kilobytes = Int(parts[1]) { return kilobytes }
        }
        return nil
    }

    /// User plus system CPU time, in seconds.
    public func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm) ", field 3 is the state; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// This process's user plus system CPU time, in seconds (the load generator's own cost).
    public static func ownCPUSeconds() -> Double? {
        var usage = rusage()
        #if os(Linux)
        let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return nil }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
