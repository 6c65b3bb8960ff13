import Dispatch
import Foundation
@testable import MediaApp
import Synchronization
import XCTest

/// `/healthz` without servers: one probe run answers a whole flood, results are reused for
/// `reuseSeconds`, a probe's connection is kept after a success and dropped after a failure.
final class HealthCheckTests: XCTestCase {
    private final class Counter: Sendable {
        let value = Mutex(0)
        func add() -> Int { value.withLock { $0 += 1; return $0 } }
        var count: Int { value.withLock { $0 } }
    }

    func testConcurrentCallersShareOneRun() {
        let runs = Counter()
        let release = DispatchSemaphore(value: 0)
        let health = HealthCheck(probes: [("database", { _ = runs.add(); release.wait() })], deadlineSeconds: 10, reuseSeconds: 60)
        let results = Mutex<[Bool]>([])
        let arrived = Counter()
        let callers = DispatchGroup()
        for _ in 0..<8 {
            callers.enter()
            Thread.detachNewThread {
                _ = arrived.add()
                let checks = health.run()
                results.withLock { $0.append(checks[0].ok) }
                callers.leave()
            }
        }
        // Every caller has called (one probing, seven waiting on it) before the probe may
        // finish; the short pause lets the last of them reach the wait.
        let deadline = Date().addingTimeInterval(10)
        while (runs.count == 0 || arrived.count < 8) && Date() < deadline { usleep(1_000) }
        usleep(100_000)
        release.signal()
        XCTAssertEqual(callers.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(runs.count, 1, "one run of the probes for every caller")
        XCTAssertEqual(results.withLock { $0 }, Array(repeating: true, count: 8))
    }

    func testAResultIsReusedForItsPeriodThenProbedAgain() {
        let runs = Counter()
        let health = HealthCheck(probes: [("redis", { if runs.add() == 1 { throw CocoaError(.fileNoSuchFile) } })],
                                 deadlineSeconds: 5, reuseSeconds: 0.2)
        XCTAssertFalse(health.run()[0].ok)
        XCTAssertFalse(health.run()[0].ok, "the failure is the answer until the period is over")
        XCTAssertEqual(runs.count, 1)
        usleep(250_000)   // the reuse period itself
        XCTAssertTrue(health.run()[0].ok)
        XCTAssertEqual(runs.count, 2)
    }

    func testAConnectionIsKeptAfterASuccessAndDroppedAfterAFailure() throws {
        final class Connection: Sendable {}
        let opened = Counter()
        let kept = KeptConnection { _ = opened.add(); return Connection() }
        var seen: [ObjectIdentifier] = []
        for _ in 0..<3 { try kept.use { seen.append(ObjectIdentifier($0)) } }
        XCTAssertEqual(opened.count, 1)
        XCTAssertEqual(Set(seen).count, 1, "the same connection each time")
        XCTAssertThrowsError(try kept.use { _ in throw CocoaError(.fileNoSuchFile) })
        try kept.use { seen.append(ObjectIdentifier($0)) }
        XCTAssertEqual(opened.count, 2, "a failed connection is not used again")
    }
}
