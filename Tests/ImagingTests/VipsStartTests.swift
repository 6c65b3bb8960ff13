import Imaging
import Synchronization
import XCTest

final class VipsStartTests: XCTestCase {
    func testVipsStartsTwiceWithoutHarm() {
        Vips.start()
        Vips.start()
    }
}

final class ImagingGateTests: XCTestCase {
    /// Four threads asking for variants at once with a limit of 2: never more than 2 run.
    func testNoMoreJobsRunAtOnceThanTheLimit() throws {
        let previous = ImagingGate.limit
        Vips.start(maxConcurrentJobs: 2)
        defer { Vips.start(maxConcurrentJobs: previous) }
        let peak = Peak()
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                _ = try? ImagingGate.run { () throws(ImagingError) in
                    peak.record(ImagingGate.running)
                    Thread.sleep(forTimeInterval: 0.05)
                }
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(peak.value, 2)
        XCTAssertEqual(ImagingGate.running, 0)
    }
}

private final class Peak: Sendable {
    private let highest = Mutex(0)
    func record(_ value: Int) { highest.withLock { $0 = max($0, value) } }
    var value: Int { highest.withLock { $0 } }
}
