import MediaCore
import XCTest

final class JobRulesTests: XCTestCase {
    func testRetryDelaysDoubleUpToTheLimitThenStop() {
        let policy = RetryPolicy(maxAttempts: 4, baseDelaySeconds: 2, maxDelaySeconds: 5)
        XCTAssertEqual(policy.delay(afterFailedAttempt: 1), 2)
        XCTAssertEqual(policy.delay(afterFailedAttempt: 2), 4)
        XCTAssertEqual(policy.delay(afterFailedAttempt: 3), 5)
        XCTAssertNil(policy.delay(afterFailedAttempt: 4))
        XCTAssertNil(RetryPolicy(maxAttempts: 1).delay(afterFailedAttempt: 1))
    }

    func testCropValidationNamesTheField() {
        XCTAssertNoThrow(try CropRequest(width: 10, height: 10, rotate: 270, scale: 1, quality: 100).validate())
        let cases: [(CropRequest, String)] = [
            (CropRequest(x: -1, width: 1, height: 1), "x"), (CropRequest(y: -5, width: 1, height: 1), "y"),
            (CropRequest(width: 0, height: 1), "width"), (CropRequest(width: 1, height: -2), "height"),
            (CropRequest(width: 1, height: 1, rotate: 45), "rotate"), (CropRequest(width: 1, height: 1, scale: 0), "scale"),
            (CropRequest(width: 1, height: 1, scale: 1.5), "scale"), (CropRequest(width: 1, height: 1, quality: 0), "quality"),
            (CropRequest(width: 1, height: 1, quality: 101), "quality"),
        ]
        for (request, field) in cases {
            XCTAssertThrowsError(try request.validate()) { XCTAssertEqual(($0 as? ServiceError)?.details["field"], field) }
        }
    }
}
