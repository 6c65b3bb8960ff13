import Foundation
@testable import Imaging
import MediaCore
import XCTest

final class ImageProbeTests: XCTestCase {
    override func setUp() { Vips.start() }

    func testOrientationSwapsDisplayedSize() throws {
        let info = try ImageProbe.probe(path: Fixtures.url("orientation6-gps.jpg").path)
        XCTAssertEqual(info.fileType, .jpeg)
        XCTAssertEqual([info.storedWidth, info.storedHeight], [400, 200])
        XCTAssertEqual(info.orientation, 6)
        XCTAssertEqual([info.width, info.height], [200, 400])
        XCTAssertEqual(info.pageCount, 1)
        XCTAssertFalse(info.hasAlpha)
        XCTAssertEqual(info.interpretation, "srgb")
    }

    func testFramesAlphaAndColour() throws {
        let gif = try ImageProbe.probe(bytes: Fixtures.bytes("animated.gif"))
        XCTAssertEqual([gif.width, gif.height, gif.pageCount], [300, 200, 3])
        XCTAssertTrue(gif.isAnimated)
        XCTAssertEqual(gif.decodedPixels(maxFrames: 100), 300 * 200 * 3)
        XCTAssertEqual(gif.decodedPixels(maxFrames: 2), 300 * 200 * 2)
        let png = try ImageProbe.probe(bytes: Fixtures.bytes("alpha.png"))
        XCTAssertTrue(png.hasAlpha)
        XCTAssertFalse(png.isAnimated)
        let cmyk = try ImageProbe.probe(bytes: Fixtures.bytes("cmyk.jpg"))
        XCTAssertEqual(cmyk.interpretation, "cmyk")
        let tiff = try ImageProbe.probe(bytes: Fixtures.bytes("alpha.tiff"))
        XCTAssertEqual(tiff.fileType, .tiff)
    }

    func testPixelLimitCountsFrames() {
        XCTAssertThrowsImagingError(try ImageProbe.probe(bytes: Fixtures.bytes("animated.gif"), maxPixels: 300 * 200 * 2)) {
            $0 == .tooManyPixels(pixels: 180_000, limit: 120_000)
        }
        XCTAssertNoThrow(try ImageProbe.probe(bytes: Fixtures.bytes("animated.gif"), maxPixels: 300 * 200 * 2, maxFrames: 2))
    }

    /// 64250×64250 declared in a few KB: refused from the header, without decoding.
    func testDecompressionBombIsRefusedFast() {
        let bomb = Fixtures.jpegDeclaring(width: 64250, height: 64250)
        XCTAssertLessThan(bomb.count, 10_000)
        let residentBefore = Fixtures.residentBytes()
        let start = Date()
        XCTAssertThrowsImagingError(try ImageProbe.probe(bytes: bomb)) {
            $0 == .tooManyPixels(pixels: 64250 * 64250, limit: ImageProbe.defaultMaxPixels)
        }
        XCTAssertThrowsImagingError(try VariantGenerator().generate(.bytes(bomb))) {
            if case .tooManyPixels = $0 { true } else { false }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
        XCTAssertLessThan(Fixtures.residentBytes() - residentBefore, 32 << 20, "no pixel buffer may be allocated")
    }

    func testNonImagesAreUnsupported() throws {
        XCTAssertThrowsImagingError(try ImageProbe.probe(bytes: [])) { $0 == .unsupportedType(.unknown) }
        var generator = SystemRandomNumberGenerator()
        let random = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        XCTAssertThrowsImagingError(try ImageProbe.probe(bytes: [0x00, 0x01] + random)) { $0 == .unsupportedType(.unknown) }
        XCTAssertThrowsImagingError(try ImageProbe.probe(bytes: Fixtures.bytes("drawing.svg"))) { $0 == .unsupportedType(.svg) }
        XCTAssertThrowsImagingError(try ImageProbe.probe(bytes: Fixtures.bytes("document.pdf"))) { $0 == .unsupportedType(.pdf) }

        // HTML named .png: the name does not matter, the bytes do.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("imaging-\(UUID()).png").path
        try Data("<!DOCTYPE html><script>alert(1)</script>".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsImagingError(try ImageProbe.probe(path: path)) { $0 == .unsupportedType(.html) }

        XCTAssertThrowsImagingError(try ImageProbe.probe(path: "/nonexistent/x.jpg")) {
            if case .sourceUnavailable = $0 { true } else { false }
        }
    }

    func testCorruptHeaderIsInvalid() {
        // A JPEG signature followed by garbage: sniffed as JPEG, refused by the decoder.
        let garbage: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x41, count: 200)
        XCTAssertThrowsImagingError(try ImageProbe.probe(bytes: garbage)) {
            if case .invalidImage = $0 { true } else { false }
        }
    }
}
