@testable import MediaApp
import Foundation
import XCTest

/// Shared state of the test threads, behind a lock.
private final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var running = 0, peak = 0, finished = 0
    private(set) var order: [Int] = []

    func enter() { lock.lock(); running += 1; peak = max(peak, running); lock.unlock() }
    func leave() { lock.lock(); running -= 1; finished += 1; lock.unlock() }
    func record(_ index: Int) { lock.lock(); order.append(index); lock.unlock() }
}

final class DecodeLimiterTests: XCTestCase {
    /// 12 threads each holding a slot for a while: never more than the limit at once, and all finish.
    func testNeverMoreThanTheLimitRunAtOnce() {
        let limiter = DecodeLimiter(limit: 3)
        let tally = Tally()
        let group = DispatchGroup()
        for _ in 0..<12 {
            group.enter()
            Thread {
                limiter.run {
                    tally.enter()
                    usleep(20_000)
                    tally.leave()
                }
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(tally.finished, 12)
        XCTAssertEqual(tally.peak, 3, "the slots are used, and never exceeded")
        XCTAssertEqual(limiter.snapshot.peak, 3)
        XCTAssertEqual(limiter.snapshot.active, 0)
        XCTAssertEqual(limiter.snapshot.waiting, 0)
    }

    func testASlotIsGivenBackWhenTheBodyThrows() {
        struct Boom: Error {}
        let limiter = DecodeLimiter(limit: 1)
        XCTAssertThrowsError(try limiter.run { throw Boom() })
        XCTAssertEqual(limiter.snapshot.active, 0)
        XCTAssertEqual(limiter.run { 42 }, 42, "a second decode is not blocked by the failed one")
    }

    func testWaitersAreServedInArrivalOrder() {
        let limiter = DecodeLimiter(limit: 1)
        let tally = Tally()
        let release = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        group.enter()
        Thread { limiter.run { release.wait() }; group.leave() }.start()
        while limiter.snapshot.active == 0 { usleep(1000) }
        for index in 0..<5 {
            group.enter()
            Thread { limiter.run { tally.record(index) }; group.leave() }.start()
            while limiter.snapshot.waiting < index + 1 { usleep(1000) }   // queue them one after another
        }
        release.signal()
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(tally.order, [0, 1, 2, 3, 4])
    }

    func testOneLimiterPerProcessAndLimit() {
        XCTAssertTrue(DecodeLimiter.shared(limit: 7) === DecodeLimiter.shared(limit: 7))
        XCTAssertFalse(DecodeLimiter.shared(limit: 7) === DecodeLimiter.shared(limit: 8))
    }

    func testConfigurationDefaultsToTheCoresAndIsChecked() throws {
        let minimal = ["S3_BUCKET": "media", "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s", "CDN_BASE_URL": "https://cdn.example.com"]
        XCTAssertEqual(try AppConfig.load(from: minimal).limits.imageMaxConcurrentDecodes,
                       max(1, ProcessInfo.processInfo.activeProcessorCount))
        XCTAssertEqual(try AppConfig.load(from: minimal.merging(["IMAGE_MAX_CONCURRENT_DECODES": "3"]) { $1 }).limits.imageMaxConcurrentDecodes, 3)
        for bad in ["0", "-1", "many", "1000"] {
            XCTAssertThrowsError(try AppConfig.load(from: minimal.merging(["IMAGE_MAX_CONCURRENT_DECODES": bad]) { $1 })) { error in
                XCTAssertEqual((error as? ConfigError)?.setting, "IMAGE_MAX_CONCURRENT_DECODES")
            }
        }
    }
}
