import Foundation

/// Seconds on CLOCK_MONOTONIC: the one clock for durations, deadlines and cache ages in every
/// module (it never jumps when the wall clock is set). Wall time is `Timestamp`'s.
public func monotonicNow() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Runs `body`, then tells `report` how many seconds it took and the error it threw, if any
/// (the latency and error metrics of database statements and S3 calls).
public func timed<T>(_ body: () throws -> T, report: (_ seconds: Double, _ error: Error?) -> Void) rethrows -> T {
    let started = monotonicNow()
    do {
        let result = try body()
        report(monotonicNow() - started, nil)
        return result
    } catch {
        report(monotonicNow() - started, error)
        throw error
    }
}
