/// What time it is for the service's deadlines (REST `messageTtlSeconds`, how long a dropped
/// reliable session is kept). The system's monotonic clock, or one a test sets ahead.
public struct ServiceClock: Sendable {
    public let now: @Sendable () -> ContinuousClock.Instant

    public init(now: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.now = now
    }

    public static let system = ServiceClock { .now }
}
