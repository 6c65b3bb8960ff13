@testable import Imaging
import MediaCore
import XCTest

final class ImageCropperTests: XCTestCase {
    override func setUp() { Vips.start() }

    private let photo = ImageSource.bytes(Fixtures.bytes("orientation6-gps.jpg"))

    func testCropUsesDisplayedCoordinates() throws {
        // Displayed 200×400; the red corner is its top-right 40×80.
        let red = try ImageCropper().crop(photo, x: 160, y: 0, width: 40, height: 80)
        XCTAssertEqual(red.format, .jpeg)
        XCTAssertEqual([red.width, red.height], [40, 80])
        let image = try Fixtures.decode(red.bytes)
        let centre = try image.pixel(x: 20, y: 40)
        XCTAssertGreaterThan(centre[0], 200, "\(centre)")
        XCTAssertLessThan(centre[2], 60, "\(centre)")
        XCTAssertFalse(image.has("exif-data"))
    }

    func testRotateThenScaleThenEncode() throws {
        let result = try ImageCropper().crop(photo, x: 100, y: 0, width: 100, height: 80, rotate: .clockwise90,
                                             scale: 0.5, quality: 60, format: .png)
        XCTAssertEqual(result.format, .png)
        XCTAssertEqual([result.width, result.height], [40, 50])
        let image = try Fixtures.decode(result.bytes)
        XCTAssertEqual([image.width, image.height], [40, 50])
        // Red was the rectangle's top-right 60×80; turned clockwise it is the bottom-right.
        let bottomRight = try image.pixel(x: 37, y: 47)
        let topLeft = try image.pixel(x: 2, y: 2)
        XCTAssertGreaterThan(bottomRight[0], 180, "\(bottomRight)")
        XCTAssertGreaterThan(topLeft[2], 180, "\(topLeft)")
    }

    func testWebPAndAlpha() throws {
        let result = try ImageCropper().crop(.bytes(Fixtures.bytes("alpha.png")), x: 200, y: 0, width: 200, height: 100, format: .webp)
        XCTAssertEqual(result.format, .webp)
        XCTAssertEqual(try Fixtures.decode(result.bytes).bands, 4)
        let flattened = try ImageCropper().crop(.bytes(Fixtures.bytes("alpha.png")), x: 0, y: 0, width: 10, height: 10, format: .jpeg)
        let white = try Fixtures.decode(flattened.bytes).pixel(x: 5, y: 5)
        XCTAssertGreaterThan(white.min() ?? 0, 240, "transparent becomes white in JPEG: \(white)")
    }

    func testRectanglesOutsideTheImage() {
        let cropper = ImageCropper()
        let outside: [(Int, Int, Int, Int)] = [(0, 0, 201, 10), (0, 0, 10, 401), (190, 0, 11, 10), (-1, 0, 5, 5),
                                               (0, 0, 0, 5), (0, 399, 5, 2), (Int.max, 0, 5, 5)]
        for (x, y, width, height) in outside {
            XCTAssertThrowsImagingError(try cropper.crop(photo, x: x, y: y, width: width, height: height)) {
                if case .invalidCrop = $0 { true } else { false }
            }
        }
        XCTAssertNoThrow(try cropper.crop(photo, x: 0, y: 0, width: 200, height: 400))
        XCTAssertThrowsImagingError(try cropper.crop(photo, x: 0, y: 0, width: 5, height: 5, scale: 0)) {
            if case .invalidCrop = $0 { true } else { false }
        }
        XCTAssertThrowsImagingError(try cropper.crop(photo, x: 0, y: 0, width: 5, height: 5, scale: 1.5)) {
            if case .invalidCrop = $0 { true } else { false }
        }
    }
}
