@testable import MediaApp
import MediaCore
import XCTest

final class CommitWindowTests: XCTestCase {
    func testAWriterWithinHalfTheGraceMayCommit() throws {
        try CommitWindow(graceSeconds: 3600).check()
    }

    func testAWriterPastHalfTheGraceGivesUpWith503NamingStorage() {
        let window = CommitWindow(graceSeconds: 0)
        XCTAssertThrowsError(try window.check()) { error in
            guard let error = error as? ServiceError else { return XCTFail("not a ServiceError: \(error)") }
            XCTAssertEqual(error.code, .unavailable)
            XCTAssertEqual(error.code.status, 503)
            XCTAssertEqual(error.details["dependency"], "storage")
        }
    }
}
