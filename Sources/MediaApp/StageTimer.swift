import MediaCore

/// Wall time per stage of one request, reported as a `Server-Timing` header so clients and
/// benchmarks see where the server spent it (receive, probe, variants, storage, database).
/// `queued` is the part of `variants` spent waiting for a turn (IMAGE_MAX_CONCURRENT_DECODES).
final class StageTimer {
    private var stages: [(name: String, milliseconds: Double)] = []
    private let started = monotonicNow()

    /// Runs `body`, adding its duration to stage `name`.
    func measure<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let start = monotonicNow()
        defer { add(name, (monotonicNow() - start) * 1000) }
        return try body()
    }

    /// Adds a duration measured elsewhere (the time an image job queued for its turn).
    func add(_ name: String, seconds: Double) { add(name, seconds * 1000) }

    private func add(_ name: String, _ milliseconds: Double) {
        if let index = stages.firstIndex(where: { $0.name == name }) {
            stages[index].milliseconds += milliseconds
        } else {
            stages.append((name, milliseconds))
        }
    }

    /// `receive;dur=12.3, variants;dur=1480.2, ..., total;dur=1533.0`
    var headerValue: String {
        (stages + [("total", (monotonicNow() - started) * 1000)])
            .map { "\($0.name);dur=\(String(format: "%.1f", $0.milliseconds))" }
            .joined(separator: ", ")
    }
}
