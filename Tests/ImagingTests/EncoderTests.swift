import Foundation
import CVips
@testable import Imaging
import MediaCore
import XCTest

final class EncoderTests: XCTestCase {
    override func setUp() { Vips.start() }

    /// Still images go to libwebp directly (no metadata chunks at all); animations to libvips.
    func testStillWebPIsEncodedByLibwebp() throws {
        let photo = try Fixtures.decode(Fixtures.bytes("orientation6-gps.jpg"))
        let still = try XCTUnwrap(try Encoder.stillWebP(photo, quality: 80, effort: 4))
        XCTAssertEqual(Array(still[0..<4]), Array("RIFF".utf8))
        XCTAssertEqual(Array(still[8..<16]), Array("WEBPVP8 ".utf8), "one lossy frame, no VP8X, EXIF or XMP chunk")
        let decoded = try Fixtures.decode(still)
        XCTAssertEqual([decoded.width, decoded.height, decoded.bands], [photo.width, photo.height, 3])
        XCTAssertEqual(try Encoder.encode(photo, as: .webp, settings: EncodingSettings()), still, "encode takes this path")

        let smaller = try XCTUnwrap(try Encoder.stillWebP(photo, quality: 20, effort: 4))
        XCTAssertLessThan(smaller.count, still.count, "quality is applied")

        let alpha = try Fixtures.decode(Fixtures.bytes("alpha.png"))
        let withAlpha = try Fixtures.decode(XCTUnwrap(try Encoder.stillWebP(alpha, quality: 80, effort: 4)))
        XCTAssertEqual(withAlpha.bands, 4)
        XCTAssertEqual(try withAlpha.pixel(x: 2, y: 2)[3], 0, "transparent stays transparent")

        let animation = try Fixtures.decode(Fixtures.bytes("animated.gif"))
        XCTAssertGreaterThan(animation.loadedFrames, 1)
        XCTAssertNil(try Encoder.stillWebP(animation, quality: 80, effort: 4), "animations are libvips' work")
    }

    /// A corrupt source decoded lazily fails while being encoded, as an invalid image.
    func testLazyDecodeFailureIsInvalidImage() throws {
        var corrupt = Fixtures.bytes("small-300.jpg")
        corrupt = Array(corrupt.prefix(corrupt.count / 2))
        let lazy = try Loader.load(OpenedSource(.bytes(corrupt)), as: .jpeg, options: .init(access: VIPS_ACCESS_SEQUENTIAL))
        XCTAssertThrowsImagingError(try Encoder.stillWebP(lazy, quality: 80, effort: 4)) {
            if case .invalidImage = $0 { true } else { false }
        }
    }
}
