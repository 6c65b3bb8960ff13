import MediaHTTP
import XCTest

final class EntityTagTests: XCTestCase {
    func testIfNoneMatchUsesWeakComparisonOverAList() {
        XCTAssertTrue(EntityTag.ifNoneMatch("\"abc\"", matches: "\"abc\""))
        XCTAssertTrue(EntityTag.ifNoneMatch("W/\"abc\"", matches: "\"abc\""))
        XCTAssertTrue(EntityTag.ifNoneMatch("\"x\", \"abc\"", matches: "\"abc\""))
        XCTAssertTrue(EntityTag.ifNoneMatch("*", matches: "\"abc\""))
        XCTAssertFalse(EntityTag.ifNoneMatch("\"abd\"", matches: "\"abc\""))
        XCTAssertFalse(EntityTag.ifNoneMatch("abc", matches: "\"abc\""))
    }

    func testOnlySaneHeadersArePassedOn() {
        XCTAssertTrue(EntityTag.isAcceptableHeader("\"abc\""))
        XCTAssertFalse(EntityTag.isAcceptableHeader(""))
        XCTAssertFalse(EntityTag.isAcceptableHeader("\"a\u{0}\""))
        XCTAssertFalse(EntityTag.isAcceptableHeader("\"é\""))
        XCTAssertFalse(EntityTag.isAcceptableHeader(String(repeating: "a", count: 1025)))
    }
}
