import CVips
import Foundation
import MediaCore

/// Bounds how many image jobs (variant sets, crops) one process runs at once, and gives freed
/// memory back to the kernel when the last running job ends.
///
/// Why: one 12 MP job holds ~100–150 MB at its peak (the full-size WebP encode needs the
/// whole image as ARGB plus libwebp's own planes). A pool worker with 4 threads all uploading
/// reached 720 MB, and glibc kept most of it after the burst (630 MB). The jobs are CPU-bound
/// and each already uses two threads, so running more at once than the cores allow gains no
/// throughput: a request that waits its turn loses nothing it would have had.
public enum ImagingGate {
    /// Jobs allowed at once in this process (at least 1). Set by `Vips.start`.
    public static var limit: Int { gate.read { $0.limit } }

    /// Jobs running right now.
    public static var running: Int { gate.read { $0.running } }

    static func setLimit(_ limit: Int) { gate.setLimit(max(1, limit)) }

    /// Runs `body` once fewer than `limit` jobs are running; `waited` learns how long that took
    /// (seconds), for the caller's timings.
    public static func run<T>(waited: (Double) -> Void = { _ in }, _ body: () throws(ImagingError) -> T) throws(ImagingError) -> T {
        let arrived = monotonicNow()
        gate.enter()
        waited(monotonicNow() - arrived)
        defer {
            // The pages of the decoded images and encode buffers go back to the kernel now,
            // instead of staying in glibc's arenas at the burst's peak (a few ms per call).
            // After every job, not only the last: under a steady burst the count never
            // reaches zero, and two jobs' leftovers added up past 400 MB per process.
            gate.leave()
            trimHeap()
        }
        return try body()
    }

    static func trimHeap() {
        _ = cvips_malloc_trim()
    }

    private static let gate = Gate()

    /// `@unchecked Sendable`: `limit` and `running` are only touched with `condition` locked.
    private final class Gate: @unchecked Sendable {
        struct Counts { var limit = 2, running = 0 }
        private let condition = NSCondition()
        private var counts = Counts()

        func read<T>(_ body: (Counts) -> T) -> T {
            condition.lock()
            defer { condition.unlock() }
            return body(counts)
        }

        func setLimit(_ limit: Int) {
            condition.lock()
            counts.limit = limit
            condition.broadcast()
            condition.unlock()
        }

        func enter() {
            condition.lock()
            while counts.running >= counts.limit { condition.wait() }
            counts.running += 1
            condition.unlock()
        }

        func leave() {
            condition.lock()
            counts.running -= 1
            condition.signal()
            condition.unlock()
        }
    }
}
