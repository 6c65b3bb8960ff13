@testable import Imaging
import XCTest

final class WebPContainerTests: XCTestCase {
    private func chunk(_ tag: String, _ payload: [UInt8]) -> [UInt8] {
        let size = payload.count
        return Array(tag.utf8) + [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), 0, 0] + payload + (size & 1 == 1 ? [0] : [])
    }

    private func riff(_ chunks: [[UInt8]]) -> [UInt8] {
        let body = Array("WEBP".utf8) + chunks.flatMap { $0 }
        let size = body.count
        return Array("RIFF".utf8) + [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), 0, 0] + body
    }

    func testDropsMetadataChunksAndFlags() {
        let vp8x = chunk("VP8X", [0x2C, 0, 0, 0, 9, 0, 0, 9, 0, 0])
        let image = chunk("VP8 ", [1, 2, 3])
        let input = riff([vp8x, chunk("ICCP", [7, 7]), image, chunk("EXIF", [1, 2, 3, 4, 5]), chunk("XMP ", [9])])
        let output = WebPContainer.strippingMetadata(input)
        XCTAssertEqual(output, riff([chunk("VP8X", [0x00, 0, 0, 0, 9, 0, 0, 9, 0, 0]), image]))
    }

    func testLeavesOtherDataAlone() {
        let plain = riff([chunk("VP8 ", [1, 2, 3, 4])])
        XCTAssertEqual(WebPContainer.strippingMetadata(plain), plain)
        let notWebP: [UInt8] = Array("RIFF\u{4}\u{0}\u{0}\u{0}WAVE".utf8)
        XCTAssertEqual(WebPContainer.strippingMetadata(notWebP), notWebP)
        var truncated = riff([chunk("VP8 ", [1, 2, 3, 4])])
        truncated[16] = 0xFF  // a chunk claiming more bytes than there are
        XCTAssertEqual(WebPContainer.strippingMetadata(truncated), truncated)
    }
}
