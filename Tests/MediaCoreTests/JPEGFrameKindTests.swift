import MediaCore
import XCTest

final class JPEGFrameKindTests: XCTestCase {
    private let soi: [UInt8] = [0xFF, 0xD8]

    /// A marker segment: marker, 2-byte length (counting itself), `payload` zero bytes.
    private func segment(_ marker: UInt8, payload: Int) -> [UInt8] {
        let length = payload + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + [UInt8](repeating: 0, count: payload)
    }

    private func sof(_ marker: UInt8) -> [UInt8] { segment(marker, payload: 15) }

    func testFrameMarkers() {
        XCTAssertEqual(JPEGFrameKind.detect(in: soi + segment(0xE0, payload: 14) + sof(0xC0)), .sequential)
        XCTAssertEqual(JPEGFrameKind.detect(in: soi + sof(0xC1)), .sequential, "extended sequential")
        XCTAssertEqual(JPEGFrameKind.detect(in: soi + segment(0xE0, payload: 14) + sof(0xC2)), .progressive)
        XCTAssertEqual(JPEGFrameKind.detect(in: soi + sof(0xCA)), .progressive, "arithmetic progressive")
    }

    func testWalksPastLargeSegmentsAndTables() {
        // EXIF and an ICC profile before the tables, as cameras write them.
        let head = soi + segment(0xE1, payload: 60_000) + segment(0xE2, payload: 40_000)
            + segment(0xDB, payload: 130) + segment(0xC4, payload: 400) + segment(0xDD, payload: 2)
        XCTAssertEqual(JPEGFrameKind.detect(in: head + sof(0xC2)), .progressive, "DHT (C4) and DRI are not frames")
        XCTAssertEqual(JPEGFrameKind.detect(in: head + [0xFF, 0xFF, 0xFF] + sof(0xC0)), .sequential, "fill bytes")
    }

    func testReadsOnlySegmentHeads() {
        let bytes = soi + segment(0xE1, payload: 60_000) + sof(0xC2)
        var requested = 0
        let kind = JPEGFrameKind.detect { offset, count in
            requested += count
            return Array(bytes[offset..<min(bytes.count, offset + count)])
        }
        XCTAssertEqual(kind, .progressive)
        XCTAssertLessThan(requested, 16)
    }

    func testNotAJPEGOrBroken() {
        XCTAssertEqual(JPEGFrameKind.detect(in: []), .unknown)
        XCTAssertEqual(JPEGFrameKind.detect(in: Array("GIF89a".utf8)), .unknown)
        XCTAssertEqual(JPEGFrameKind.detect(in: soi + segment(0xE0, payload: 14)), .unknown, "cut before the frame")
        XCTAssertEqual(JPEGFrameKind.detect(in: soi + Array(segment(0xE1, payload: 100).prefix(50))), .unknown)
        XCTAssertEqual(JPEGFrameKind.detect(in: soi + segment(0xDA, payload: 10) + sof(0xC2)), .unknown,
                       "scan data before any frame")
        XCTAssertEqual(JPEGFrameKind.detect(in: soi + [0xFF, 0xE0, 0x00, 0x01] + sof(0xC2)), .unknown, "length below 2")
        XCTAssertEqual(JPEGFrameKind.detect(in: soi + [0x12, 0x34] + sof(0xC2)), .unknown, "no marker where one belongs")
        let endless = soi + (0..<300).flatMap { _ in segment(0xFE, payload: 0) } + sof(0xC2)
        XCTAssertEqual(JPEGFrameKind.detect(in: endless), .unknown, "gives up after maxSegments")
        XCTAssertEqual(JPEGFrameKind.detect(maxSegments: 400) { offset, count in
            Array(endless[offset..<min(endless.count, offset + count)])
        }, .progressive)
    }
}
