import MediaHTTP
import XCTest

final class ByteRangeTests: XCTestCase {
    func testAbsentMalformedOtherUnitsAndMultipleRangesServeTheWholeObject() {
        for header in [nil, "", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=5-2", "items=0-1", "bytes=0-1,5-6",
                       "bytes=1-2-3", "bytes=+1-2", "bytes=0x1-2"] as [String?] {
            XCTAssertEqual(ByteRange.evaluate(header, size: 100), .whole, "\(header ?? "nil")")
        }
    }

    func testFirstLastIsClampedToTheObject() {
        XCTAssertEqual(ByteRange.evaluate("bytes=0-9", size: 100), .partial(first: 0, last: 9))
        XCTAssertEqual(ByteRange.evaluate("bytes=90-500", size: 100), .partial(first: 90, last: 99))
        XCTAssertEqual(ByteRange.evaluate("bytes=99-99", size: 100), .partial(first: 99, last: 99))
        XCTAssertEqual(ByteRange.evaluate(" Bytes = 5 - 6 ", size: 100), .partial(first: 5, last: 6))
        XCTAssertEqual(ByteRange.evaluate("bytes=0-99999999999999999999999", size: 100), .partial(first: 0, last: 99))
    }

    func testOpenEndedAndSuffixRanges() {
        XCTAssertEqual(ByteRange.evaluate("bytes=10-", size: 100), .partial(first: 10, last: 99))
        XCTAssertEqual(ByteRange.evaluate("bytes=-10", size: 100), .partial(first: 90, last: 99))
        XCTAssertEqual(ByteRange.evaluate("bytes=-500", size: 100), .partial(first: 0, last: 99))
        XCTAssertEqual(ByteRange.evaluate("bytes=-99999999999999999999999", size: 100), .partial(first: 0, last: 99))
    }

    func testRangesWithNoByteInsideAreUnsatisfiable() {
        XCTAssertEqual(ByteRange.evaluate("bytes=100-", size: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.evaluate("bytes=100-200", size: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.evaluate("bytes=99999999999999999999999-", size: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.evaluate("bytes=-0", size: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.evaluate("bytes=0-", size: 0), .unsatisfiable)
        XCTAssertEqual(ByteRange.evaluate("bytes=-5", size: 0), .unsatisfiable)
    }

    func testHeaderValueAsksForExactlyTheBytes() {
        XCTAssertEqual(ByteRange.evaluate("bytes=-10", size: 100).headerValue, "bytes=90-99")
        XCTAssertNil(ByteRange.whole.headerValue)
        XCTAssertNil(ByteRange.unsatisfiable.headerValue)
    }
}
