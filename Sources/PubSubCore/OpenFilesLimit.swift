#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open files (`RLIMIT_NOFILE`, `ulimit -n`): every client socket is one.
public struct OpenFilesLimit: Sendable, Equatable {
    /// The limit in force (the soft limit).
    public var current: Int
    /// The most an unprivileged process may raise it to (the hard limit).
    public var maximum: Int
    /// The limit before ``raisedToMaximum()`` raised it, when it did.
    public var raisedFrom: Int?

    public init(current: Int, maximum: Int, raisedFrom: Int? = nil) {
        self.current = current
        self.maximum = maximum
        self.raisedFrom = raisedFrom
    }

    /// The limit now; nil where the system does not say.
    public static func read() -> OpenFilesLimit? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        return OpenFilesLimit(current: Int(clamping: limit.rlim_cur), maximum: Int(clamping: limit.rlim_max))
    }

    /// Raises the soft limit to the hard one, as Go's runtime does at start (many systems start
    /// processes at 1,024 with a hard limit far above); the limit then in force.
    public static func raisedToMaximum() -> OpenFilesLimit? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let before = Int(clamping: limit.rlim_cur)
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(resource, &limit)
        }
        guard var after = read() else { return nil }
        if after.current != before { after.raisedFrom = before }
        return after
    }

    /// How to raise the limit, for a warning or an error's hint.
    public static let howToRaise = "raise it with `ulimit -n <n>` in the shell that starts it, or LimitNOFILE=<n> in a systemd unit"

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
