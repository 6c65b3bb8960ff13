import MediaCore
import XCTest

final class DownloadOptionsTests: XCTestCase {
    func testExpiryDefaultsAndBounds() throws {
        XCTAssertEqual(try DownloadOptions.expiry(nil), 3600)
        XCTAssertEqual(try DownloadOptions.expiry("1"), 1)
        XCTAssertEqual(try DownloadOptions.expiry("86400"), 86400)
        XCTAssertEqual(try DownloadOptions.expiry("0600"), 600)
    }

    func testExpiryOutOfRangeOrNotPlainDigitsIsAValidationErrorOnExpiry() {
        for text in ["0", "86401", "", "-1", "+5", "5.0", "1e3", " 60", "abc", "99999999999999999999"] {
            XCTAssertThrowsError(try DownloadOptions.expiry(text), text) { error in
                XCTAssertEqual((error as? ServiceError)?.code, .validationError)
                XCTAssertEqual((error as? ServiceError)?.details["field"], "expiry")
            }
        }
    }

    func testOnlyRasterImagesAreShownInline() {
        XCTAssertTrue(DownloadOptions.isInline(mimeType: "image/jpeg"))
        XCTAssertTrue(DownloadOptions.isInline(mimeType: "image/webp"))
        XCTAssertFalse(DownloadOptions.isInline(mimeType: "image/svg+xml"))
        XCTAssertFalse(DownloadOptions.isInline(mimeType: "application/pdf"))
        XCTAssertFalse(DownloadOptions.isInline(mimeType: "text/html"))
    }

    func testVariantFilenamesFollowTheOriginal() {
        XCTAssertEqual(DownloadOptions.variantFilename(original: "beach.jpg", variant: "thumbnail", objectKey: "o/i/thumbnail.jpg"),
                       "beach-thumbnail.jpg")
        XCTAssertEqual(DownloadOptions.variantFilename(original: "beach.png", variant: "original_webp", objectKey: "o/i/original_webp-v2.webp"),
                       "beach.webp")
        XCTAssertEqual(DownloadOptions.variantFilename(original: ".hidden", variant: "small", objectKey: "o/i/small.png"), ".hidden-small.png")
        XCTAssertEqual(DownloadOptions.variantFilename(original: "noext", variant: "small", objectKey: "o/i/small.gif"), "noext-small.gif")
    }

    func testRangeNotSatisfiableIs416WithTheSize() {
        let error = ServiceError.rangeNotSatisfiable(size: 42)
        XCTAssertEqual(error.code.status, 416)
        XCTAssertEqual(error.details["size"], "42")
    }
}
