import MediaCore
import XCTest

final class IdentifierTests: XCTestCase {
    func testUUIDv7LayoutAndOrdering() {
        let early = Identifier.uuidV7(milliseconds: 1_700_000_000_000, randomBytes: Array(repeating: 0xff, count: 10))
        let late = Identifier.uuidV7(milliseconds: 1_700_000_000_001, randomBytes: Array(repeating: 0x00, count: 10))
        XCTAssertEqual(early.count, 36)
        XCTAssertEqual(Array(early)[14], "7", "version nibble")
        XCTAssertTrue("89ab".contains(Array(early)[19]), "variant bits")
        XCTAssertLessThan(early, late, "later milliseconds sort later")
        XCTAssertTrue(Identifier.isWellFormed(early))
        XCTAssertTrue(Identifier.isWellFormed(late))
    }

    func testRejectsMalformedIds() {
        XCTAssertFalse(Identifier.isWellFormed(""))
        XCTAssertFalse(Identifier.isWellFormed("0193A1F2-7C1E-7A4B-9D2E-5B8F0C3D4E5F"))
        XCTAssertFalse(Identifier.isWellFormed("../../etc/passwd"))
        XCTAssertFalse(Identifier.isWellFormed("0193a1f2-7c1e-7a4b-9d2e-5b8f0c3d4e5g"))
    }
}
