@testable import Imaging
import MediaCore
import XCTest

/// SVG, PDF (and ImageMagick etc.) must be unreachable for untrusted bytes, even if a
/// caller bypassed sniffing and let libvips pick the loader.
final class LoaderPolicyTests: XCTestCase {
    override func setUp() { Vips.start() }

    func testSVGAndPDFAreBlockedInsideLibvips() throws {
        for name in ["drawing.svg", "document.pdf"] {
            let source = try OpenedSource(.bytes(Fixtures.bytes(name)))
            XCTAssertThrowsImagingError(try VipsImageRef.loadWithAnyLoader(source)) {
                guard case .invalidImage(let reason) = $0 else { return false }
                return reason.contains("blocked") || reason.contains("not a known")
            }
        }
    }

    func testAllowedLoadersStillWork() throws {
        let source = try OpenedSource(.bytes(Fixtures.bytes("small-300.jpg")))
        XCTAssertEqual(try VipsImageRef.loadWithAnyLoader(source).width, 300)
        XCTAssertEqual(Vips.decodableTypes, Vips.supportedTypes)
    }

    func testSVGAndPDFAreRefusedOnTheImagePath() {
        for name in ["drawing.svg", "document.pdf"] {
            XCTAssertThrowsImagingError(try VariantGenerator().generate(.bytes(Fixtures.bytes(name)))) {
                if case .unsupportedType = $0 { true } else { false }
            }
            XCTAssertThrowsImagingError(try ImageCropper().crop(.bytes(Fixtures.bytes(name)), x: 0, y: 0, width: 1, height: 1)) {
                if case .unsupportedType = $0 { true } else { false }
            }
        }
    }

    func testErrorsMapToTheContract() {
        XCTAssertEqual(ImagingError.unsupportedType(.svg).serviceError.code.status, 415)
        XCTAssertEqual(ImagingError.invalidImage(reason: "x").serviceError.code, .invalidImage)
        XCTAssertEqual(ImagingError.tooManyPixels(pixels: 2, limit: 1).serviceError.code, .invalidImage)
        XCTAssertEqual(ImagingError.invalidCrop(reason: "x").serviceError.code, .invalidCrop)
        XCTAssertEqual(ImagingError.sourceUnavailable(reason: "x").serviceError.code, .internalError)
    }
}
