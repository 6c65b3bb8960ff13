@testable import Imaging
import MediaCore
import XCTest

final class TransformerTests: XCTestCase {
    private let transformer = Transformer()

    private func run(_ name: String, _ text: String, format: TransformOptions.Format = .png) throws -> (TransformedImage, TransformPlan) {
        let options = try TransformOptions.resolve(TransformURL.parse("/sig/\(text)/czM6Ly9tL2s"), presets: [:])
        let source = ImageSource.bytes(Fixtures.bytes(name))
        let info = try transformer.probe(source)
        let plan = TransformPlan.make(sourceWidth: options.autoRotate ? info.width : info.storedWidth,
                                      sourceHeight: options.autoRotate ? info.height : info.storedHeight, options: options)
        return (try transformer.transform(source, plan: plan, options: options, format: format), plan)
    }

    func testTheOutputHasThePlannedSizeAndFormat() throws {
        for (text, size) in [("rs:fit:150:0", [150, 100]), ("rs:fill:100:100/g:sm", [100, 100]), ("rs:force:50:80", [50, 80]),
                             ("c:0.5:0.5/w:0", [150, 100]), ("rs:fit:600:0:0:1/bg:0:0:255", [600, 200]), ("rs:fill:90:60/rot:90", [90, 60])] {
            let (image, plan) = try run("small-300.jpg", text)
            XCTAssertEqual([image.width, image.height], size, text)
            XCTAssertEqual([plan.outputWidth, plan.outputHeight], size, text)
            let decoded = try Fixtures.decode(image.bytes)
            XCTAssertEqual([decoded.width, decoded.height], size, text)
        }
    }

    func testEveryFormatEncodes() throws {
        for format in TransformOptions.Format.allCases {
            let (image, _) = try run("alpha.png", "rs:fit:120:0/bl:1/sh:0.5", format: format)
            XCTAssertEqual(FileType.sniff(image.bytes).mimeType, image.mimeType, "\(format)")
            XCTAssertEqual(try Fixtures.decode(image.bytes).width, 120, "\(format)")
        }
    }

    func testTheEXIFOrientationIsAppliedUnlessTurnedOff() throws {
        let (upright, _) = try run("orientation6-gps.jpg", "w:0")
        XCTAssertEqual([upright.width, upright.height], [200, 400])
        let (stored, _) = try run("orientation6-gps.jpg", "w:0/ar:0")
        XCTAssertEqual([stored.width, stored.height], [400, 200])
        XCTAssertFalse(Fixtures.contains(upright.bytes, "Exif"), "metadata stripped")
    }

    func testABackgroundFillsTransparency() throws {
        let (image, _) = try run("alpha.png", "w:60/bg:255:0:0")
        let decoded = try Fixtures.decode(image.bytes)
        XCTAssertFalse(decoded.hasAlpha)
    }
}
