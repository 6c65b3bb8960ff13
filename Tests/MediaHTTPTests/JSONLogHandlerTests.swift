import Foundation
import Logging
import MediaHTTP
import Synchronization
import XCTest

/// The one log handler: every record is one line of valid JSON whatever it holds, levels below
/// the threshold write nothing, and metadata keeps its types.
final class JSONLogHandlerTests: XCTestCase {
    private final class Captured: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    private func logger(level: Logger.Level, into captured: Captured) -> Logger {
        Logger(label: "test") { _ in
            JSONLogHandler(level: level, output: { bytes in
                captured.lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
            })
        }
    }

    private func object(_ line: String) throws -> [String: Any] {
        XCTAssertTrue(line.hasSuffix("\n"), line)
        XCTAssertEqual(line.filter { $0 == "\n" }.count, 1, "one record, one line: \(line)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testAMessageWithNewlinesAndQuotesStaysOneValidLine() throws {
        let captured = Captured()
        let message = "upstream said \"no\"\nsecond line\r\tand a \\ backslash </script>"
        logger(level: .info, into: captured).error("\(message)", metadata: ["detail": "a \"quoted\"\nvalue"])
        XCTAssertEqual(captured.all.count, 1)
        let record = try object(captured.all[0])
        XCTAssertEqual(record["event"] as? String, message)
        XCTAssertEqual(record["detail"] as? String, "a \"quoted\"\nvalue")
        XCTAssertEqual(record["level"] as? String, "error")
    }

    func testTheThresholdDropsLowerLevels() throws {
        for (threshold, expected) in [(Logger.Level.warning, ["warning", "error"]), (.info, ["info", "warning", "error"]),
                                      (.debug, ["debug", "info", "warning", "error"])] {
            let captured = Captured()
            let log = logger(level: threshold, into: captured)
            log.debug("d")
            log.info("i")
            log.warning("w")
            log.error("e")
            XCTAssertEqual(try captured.all.map { try object($0)["level"] as? String }, expected, "\(threshold)")
        }
    }

    func testOneTimestampFormatAndFixedFieldsFirst() throws {
        let captured = Captured()
        logger(level: .info, into: captured).info("started")
        let line = try XCTUnwrap(captured.all.first)
        XCTAssertTrue(line.hasPrefix("{\"time\":\""), line)
        XCTAssertTrue(line.contains(",\"level\":\"info\",\"event\":\"started\""), line)
        let time = try XCTUnwrap(try object(line)["time"] as? String)
        XCTAssertNotNil(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/), time)
    }

    func testMetadataKeepsNumbersAndTheLoggersOwnFields() throws {
        let captured = Captured()
        var log = logger(level: .info, into: captured)
        log[metadataKey: "requestId"] = "req-1"
        log.info("request", metadata: ["status": .stringConvertible(404), "durationMs": .stringConvertible(1.25),
                                       "cached": .stringConvertible(true), "pid": "42",
                                       "list": .array(["a", .stringConvertible(2)]), "time": "not the time"])
        let record = try object(try XCTUnwrap(captured.all.first))
        XCTAssertEqual(record["requestId"] as? String, "req-1")
        XCTAssertEqual(record["status"] as? Int, 404)
        XCTAssertEqual(record["durationMs"] as? Double, 1.25)
        XCTAssertEqual(record["cached"] as? Bool, true)
        XCTAssertEqual(record["pid"] as? String, "42")
        XCTAssertEqual((record["list"] as? [Any])?.count, 2)
        XCTAssertNotEqual(record["time"] as? String, "not the time", "a metadata key never replaces a fixed field")
        XCTAssertEqual(captured.all[0].components(separatedBy: "\"time\":").count, 2, "one time key")
    }

    func testAnErrorPassedToTheLoggerIsWritten() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "broken \"pipe\"" } }
        let captured = Captured()
        logger(level: .info, into: captured).error("failed", error: Broken())
        XCTAssertEqual(try object(try XCTUnwrap(captured.all.first))["error"] as? String, "broken \"pipe\"")
    }
}
