/// A Prometheus histogram kept as integer counters: one per bucket (not cumulative: an
/// observation adds to exactly one bucket, the first whose bound holds it, or `+Inf`) and
/// the sum scaled to an integer (`sumScale` 1e6 keeps seconds as microseconds). The
/// renderer makes the buckets cumulative and derives `_count` from them.
public struct Histogram: Sendable, Equatable {
    public let name: String
    public let bounds: [Double]
    /// The sum is stored as `value × sumScale`, rounded.
    public let sumScale: Double

    public init(name: String, bounds: [Double], sumScale: Double = 1) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must increase")
        self.name = name
        self.bounds = bounds
        self.sumScale = sumScale
    }

    /// Request and call latencies: 5 ms to 30 s.
    public static func seconds(_ name: String) -> Histogram {
        Histogram(name: name, bounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], sumScale: 1_000_000)
    }

    /// The `le` label of each bucket, `+Inf` last.
    public var bucketLabels: [String] { bounds.map(PrometheusText.number) + ["+Inf"] }

    /// Index of the bucket an observation falls in (`bounds.count` is `+Inf`).
    public func bucketIndex(for value: Double) -> Int {
        bounds.firstIndex { value <= $0 } ?? bounds.count
    }

    /// The series to add to for one observation: its bucket and the sum.
    /// `labels` is the label text without braces (`route="/a",method="GET"`), may be empty.
    public func increments(labels: String, value: Double) -> [(series: String, delta: Int)] {
        [(bucketSeries(labels: labels, bucket: bucketIndex(for: value)), 1), (sumSeries(labels: labels), scaledSum(value))]
    }

    /// The series of one bucket (`bucketIndex` order) of one label set.
    public func bucketSeries(labels: String, bucket: Int) -> String {
        let le = bucket < bounds.count ? PrometheusText.number(bounds[bucket]) : "+Inf"
        return "\(name)_bucket{\(labels)\(labels.isEmpty ? "" : ",")le=\"\(le)\"}"
    }

    public func sumSeries(labels: String) -> String { labels.isEmpty ? "\(name)_sum" : "\(name)_sum{\(labels)}" }

    /// What one observation adds to the sum series.
    public func scaledSum(_ value: Double) -> Int {
        let scaled = (value * sumScale).rounded()
        return scaled.isFinite ? Int(max(min(scaled, 9e18), -9e18)) : 0
    }
}
