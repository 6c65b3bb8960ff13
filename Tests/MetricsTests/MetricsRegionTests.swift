import Foundation
import Metrics
import XCTest

final class MetricsRegionTests: XCTestCase {
    /// Two attachments of one fd behave like two processes: each has its own index cache.
    private func sharedPair(cells: Int = 2) throws -> (MetricsRegion, MetricsRegion, Int32) {
        var template = Array((NSTemporaryDirectory() + "/metrics-test-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        XCTAssertGreaterThanOrEqual(fd, 0)
        unlink(template)
        let master = try MetricsRegion.create(fd: fd, seriesCapacity: 64, cells: cells)
        let worker = try MetricsRegion.attach(fd: fd, cell: 1)
        return (master, worker, fd)
    }

    func testProcessesAddToTheSameSeries() throws {
        let (master, worker, fd) = try sharedPair()
        defer { close(fd) }
        master.add("x_total", 0)
        worker.add("x_total")
        worker.add("y_total{a=\"1\"}", 5)
        master.add("y_total{a=\"1\"}", 2)
        master.add("x_total", 3)
        let values = Dictionary(worker.snapshot().map { ($0.series, $0.value) }, uniquingKeysWith: +)
        XCTAssertEqual(values, ["x_total": 4, "y_total{a=\"1\"}": 7])
        XCTAssertEqual(master.snapshot().count, 2, "a series registered by one process is found by the other")
    }

    func testConcurrentAddsAreNotLost() throws {
        let (master, worker, fd) = try sharedPair()
        defer { close(fd) }
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let region = index.isMultiple(of: 2) ? master : worker
            for step in 0..<2000 { region.add("c_total{n=\"\(step % 4)\"}") }
        }
        XCTAssertEqual(master.snapshot().map(\.value).reduce(0, +), 16_000)
        XCTAssertEqual(master.snapshot().count, 4)
    }

    func testCellsCountLiveWorkersAndForgetWhatADeadOneHadInFlight() throws {
        let (master, worker, fd) = try sharedPair()
        defer { close(fd) }
        master.claimCell(1, pid: 4242)
        worker.addInFlight(1)
        worker.addInFlight(1)
        XCTAssertEqual(master.cells().processes, 1)
        XCTAssertEqual(master.cells().inFlight, 2)
        master.release(cell: 1)
        XCTAssertEqual(master.cells().processes, 0)
        XCTAssertEqual(master.cells().inFlight, 0)
    }

    func testAFullRegionOrALongNameIsRefusedQuietly() throws {
        let (master, _, fd) = try sharedPair()
        defer { close(fd) }
        XCTAssertFalse(master.add(String(repeating: "n", count: MetricsRegion.maxSeriesNameBytes + 1)))
        for index in 0..<64 { XCTAssertTrue(master.add("s\(index)")) }
        XCTAssertFalse(master.add("one_too_many"))
        XCTAssertTrue(master.add("s3"), "existing series still count")
    }

    func testAttachRefusesAnFdWithoutARegion() throws {
        var template = Array((NSTemporaryDirectory() + "/metrics-test-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        unlink(template)
        defer { close(fd) }
        XCTAssertEqual(ftruncate(fd, 8192), 0)
        XCTAssertThrowsError(try MetricsRegion.attach(fd: fd, cell: 0))
    }
}
