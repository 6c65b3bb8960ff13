import Foundation
import MediaCore
import XCTest

final class TimestampTests: XCTestCase {
    func testRFC3339UTC() {
        XCTAssertEqual(Timestamp.rfc3339(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00Z")
        XCTAssertEqual(Timestamp.rfc3339(Date(timeIntervalSince1970: 951_782_400)), "2000-02-29T00:00:00Z")
        XCTAssertEqual(Timestamp.rfc3339(Date(timeIntervalSince1970: 1_798_761_599)), "2026-12-31T23:59:59Z")
        XCTAssertEqual(Timestamp.rfc3339(Date(timeIntervalSince1970: 4_107_542_400)), "2100-03-01T00:00:00Z")
        XCTAssertEqual(Timestamp.rfc3339(Date(timeIntervalSince1970: -1)), "1969-12-31T23:59:59Z")
    }

    func testLogTimestampsCarryMilliseconds() {
        let stamp = Timestamp.nowWithMilliseconds()
        XCTAssertNotNil(stamp.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression), stamp)
    }
}
