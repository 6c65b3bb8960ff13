import MediaCore
import XCTest

final class CropFitTests: XCTestCase {
    func testRectanglesInsideAndOnTheEdgeFit() {
        XCTAssertTrue(CropRequest(width: 640, height: 480).fits(imageWidth: 640, imageHeight: 480))
        XCTAssertTrue(CropRequest(x: 600, y: 400, width: 40, height: 80).fits(imageWidth: 640, imageHeight: 480))
        XCTAssertTrue(CropRequest(x: 639, y: 479, width: 1, height: 1).fits(imageWidth: 640, imageHeight: 480))
    }

    func testRectanglesOutsideDoNotFit() {
        XCTAssertFalse(CropRequest(x: 601, width: 40, height: 1).fits(imageWidth: 640, imageHeight: 480))
        XCTAssertFalse(CropRequest(y: 1, width: 1, height: 480).fits(imageWidth: 640, imageHeight: 480))
        XCTAssertFalse(CropRequest(width: 641, height: 1).fits(imageWidth: 640, imageHeight: 480))
        XCTAssertFalse(CropRequest(x: 640, width: 1, height: 1).fits(imageWidth: 640, imageHeight: 480))
        XCTAssertFalse(CropRequest(x: -1, width: 1, height: 1).fits(imageWidth: 640, imageHeight: 480))
        XCTAssertFalse(CropRequest(width: 0, height: 1).fits(imageWidth: 640, imageHeight: 480))
    }

    /// A client's x or y near Int.max used to overflow `x + width` and trap, killing the worker.
    func testHugeCoordinatesAreRefusedWithoutOverflow() {
        XCTAssertFalse(CropRequest(x: Int.max, width: 1, height: 1).fits(imageWidth: 640, imageHeight: 480))
        XCTAssertFalse(CropRequest(y: Int.max, width: 1, height: 1).fits(imageWidth: 640, imageHeight: 480))
        XCTAssertFalse(CropRequest(x: Int.max, y: Int.max, width: Int.max, height: Int.max).fits(imageWidth: 640, imageHeight: 480))
        XCTAssertFalse(CropRequest(x: 1, width: Int.max, height: 1).fits(imageWidth: Int.max, imageHeight: 1))
    }
}
