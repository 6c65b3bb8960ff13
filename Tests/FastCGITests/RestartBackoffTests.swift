import FastCGI
import XCTest

final class RestartBackoffTests: XCTestCase {
    func testFirstCrashRestartsAtOnceThenDoublesUpToTheCeiling() {
        var backoff = RestartBackoff(ceilingSeconds: 1)
        let delays = (0..<7).map { _ in backoff.delayAfterCrash(lived: 0.5) }
        XCTAssertEqual(delays, [0, 0.1, 0.2, 0.4, 0.8, 1, 1])
    }

    func testAWorkerThatLivedLongStartsOver() {
        var backoff = RestartBackoff(ceilingSeconds: 30)
        _ = backoff.delayAfterCrash(lived: 0.1)
        _ = backoff.delayAfterCrash(lived: 0.1)
        XCTAssertEqual(backoff.delayAfterCrash(lived: 60), 0)
        XCTAssertEqual(backoff.consecutiveCrashes, 1)
    }

    func testManyCrashesDoNotOverflow() {
        var backoff = RestartBackoff(ceilingSeconds: 30)
        for _ in 0..<10_000 { _ = backoff.delayAfterCrash(lived: 0) }
        XCTAssertEqual(backoff.delayAfterCrash(lived: 0), 30)
    }
}
