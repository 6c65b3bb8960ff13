import Foundation
import Logging
import MediaHTTP
import Synchronization
import XCTest
@testable import MediaApp

/// The request log's lines through the JSON handler: the fields the tests and dashboards read.
final class RequestLogTests: XCTestCase {
    private final class Captured: Sendable {
        let text = Mutex<[String]>([])
        var lines: [[String: Any]] {
            text.withLock { $0 }.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
        }
    }

    private func log(level: Logger.Level = .info, into captured: Captured) -> RequestLog {
        RequestLog(logger: Logger(label: "test") { _ in
            JSONLogHandler(level: level, output: { bytes in captured.text.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } })
        })
    }

    func testARequestLineCarriesItsIdAndNumbers() throws {
        let captured = Captured()
        log(into: captured).record(requestId: "abc", method: "GET", route: "/api/v1/media/{id}", status: 404,
                                   durationMilliseconds: 1.23456, organization: nil)
        let line = try XCTUnwrap(captured.lines.first)
        XCTAssertEqual(line["event"] as? String, "request")
        XCTAssertEqual(line["requestId"] as? String, "abc")
        XCTAssertEqual(line["status"] as? Int, 404)
        XCTAssertEqual(line["durationMs"] as? Double, 1.23)
        XCTAssertNil(line["org"])
    }

    func testFailuresAreErrorsAndEventsKeepTheirLevel() throws {
        let captured = Captured()
        let requestLog = log(level: .warning, into: captured)
        requestLog.failure(requestId: "abc", route: "/x", error: "boom\n\"quoted\"")
        requestLog.event("job completed", ["job": "j1"])
        requestLog.event("job failed", ["job": "j2"], level: .error)
        let lines = captured.lines
        XCTAssertEqual(lines.map { $0["event"] as? String }, ["request failed", "job failed"], "info is below the threshold")
        XCTAssertEqual(lines[0]["level"] as? String, "error")
        XCTAssertEqual(lines[0]["error"] as? String, "boom\n\"quoted\"")
        XCTAssertEqual(lines[0]["requestId"] as? String, "abc")
        XCTAssertEqual(lines[1]["job"] as? String, "j2")
    }
}
