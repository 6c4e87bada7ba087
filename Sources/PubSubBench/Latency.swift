import Histogram
import NIOCore

/// Latency percentiles of a run, in microseconds (from an HdrHistogram: 1 µs to 10 min, three
/// significant digits).
public struct LatencySummary: Sendable, Equatable, Codable {
    public var count: UInt64
    public var p50: UInt64
    public var p90: UInt64
    public var p99: UInt64
    public var p999: UInt64
    public var max: UInt64
    public var mean: Double

    public init(_ histogram: Histogram<UInt64>) {
        count = histogram.totalCount
        p50 = histogram.valueAtPercentile(50)
        p90 = histogram.valueAtPercentile(90)
        p99 = histogram.valueAtPercentile(99)
        p999 = histogram.valueAtPercentile(99.9)
        max = histogram.max
        mean = histogram.mean
    }

    enum CodingKeys: String, CodingKey {
        case count, p50, p90, p99, p999 = "p99_9", max, mean
    }
}

extension Histogram where Count == UInt64 {
    /// The histogram every bench records into: microseconds, 1 µs to 10 minutes, 3 digits.
    public static func latency() -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Records nanoseconds as microseconds, clamped into range.
    public mutating func recordNanoseconds(_ nanoseconds: UInt64) {
        _ = record(Swift.min(Swift.max(nanoseconds / 1000, 1), 600_000_000))
    }
}

extension Duration {
    /// The duration as NIO's `TimeAmount` (nanoseconds).
    var timeAmount: TimeAmount {
        .nanoseconds(components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
    }
}
