import MediaCore
import XCTest

final class VariantSpecTests: XCTestCase {
    func testContractTable() {
        XCTAssertEqual(VariantSpec.defaults.map(\.name), ["thumbnail", "small", "medium", "large", "original_webp"])
        XCTAssertEqual(VariantSpec.defaults[0].kind, .fitInside(width: 245, height: 156))
        XCTAssertEqual(VariantSpec.defaults[3].kind, .fitInside(width: 1000, height: 1000))
        XCTAssertEqual(VariantSpec.defaults[4].kind, .fullSize(.webp))
        let encoding = EncodingSettings()
        XCTAssertEqual(encoding.jpegQuality, 80)
        XCTAssertEqual(encoding.webpQuality, 80)
        XCTAssertEqual(encoding.webpEffort, 4)
        XCTAssertEqual(EncodingSettings(webpEffort: 9).webpEffort, 6, "clamped to libwebp's range")
    }

    func testFitInside() {
        func fit(_ w: Int, _ h: Int, _ bw: Int, _ bh: Int) -> [Int] {
            let size = VariantSpec.fitInside(width: w, height: h, boxWidth: bw, boxHeight: bh)
            return [size.width, size.height]
        }
        XCTAssertEqual(fit(4000, 3000, 1000, 1000), [1000, 750])
        XCTAssertEqual(fit(3000, 4000, 1000, 1000), [750, 1000])
        XCTAssertEqual(fit(4224, 3168, 245, 156), [208, 156], "height-bound in a wide box")
        XCTAssertEqual(fit(4000, 1000, 245, 156), [245, 61])
        XCTAssertEqual(fit(300, 200, 1000, 1000), [300, 200], "never upscaled")
        XCTAssertEqual(fit(300, 200, 245, 156), [234, 156])
        XCTAssertEqual(fit(245, 156, 245, 156), [245, 156])
        XCTAssertEqual(fit(10000, 10, 500, 500), [500, 1], "never below 1 px")
        XCTAssertEqual(fit(1001, 3, 1000, 1000), [1000, 3], "2.997 rounds half up like libvips")
        XCTAssertEqual(fit(0, 0, 10, 10), [0, 0])
    }

    func testOutputFormats() {
        let resized = VariantSpec.defaults[0]
        let webp = VariantSpec.defaults[4]
        XCTAssertEqual(resized.outputFormat(for: .jpeg, hasAlpha: false, animated: false), .jpeg)
        XCTAssertEqual(resized.outputFormat(for: .png, hasAlpha: true, animated: false), .png)
        XCTAssertEqual(resized.outputFormat(for: .png, hasAlpha: false, animated: false), .png)
        XCTAssertEqual(resized.outputFormat(for: .webp, hasAlpha: true, animated: true), .webp)
        XCTAssertEqual(resized.outputFormat(for: .gif, hasAlpha: true, animated: true), .gif)
        XCTAssertEqual(resized.outputFormat(for: .tiff, hasAlpha: false, animated: false), .jpeg)
        XCTAssertEqual(resized.outputFormat(for: .tiff, hasAlpha: true, animated: false), .png)
        XCTAssertEqual(resized.outputFormat(for: .heic, hasAlpha: false, animated: false), .jpeg)
        XCTAssertEqual(resized.outputFormat(for: .avif, hasAlpha: true, animated: false), .png)
        XCTAssertEqual(webp.outputFormat(for: .gif, hasAlpha: true, animated: true), .webp)
        XCTAssertEqual(webp.outputFormat(for: .jpeg, hasAlpha: false, animated: false), .webp)
        XCTAssertTrue(OutputFormat.webp.supportsAnimation)
        XCTAssertFalse(OutputFormat.jpeg.supportsAlpha)
    }

    func testTargetSizes() {
        let large = VariantSpec.defaults[3]
        let webp = VariantSpec.defaults[4]
        XCTAssertTrue(large.targetSize(width: 300, height: 200, format: .jpeg) == (300, 200))
        XCTAssertTrue(webp.targetSize(width: 6000, height: 4000, format: .webp) == (6000, 4000), "full size")
        XCTAssertTrue(webp.targetSize(width: 20000, height: 2500, format: .webp) == (16383, 2048), "capped at WebP's limit")
    }

    func testObjectKeys() {
        let thumbnail = VariantSpec.defaults[0]
        XCTAssertEqual(thumbnail.objectKey(folder: "acme/0193a1f2", format: .jpeg), "acme/0193a1f2/thumbnail.jpg")
        XCTAssertEqual(VariantSpec.defaults[4].objectKey(folder: "acme/x", format: .webp), "acme/x/original_webp.webp")
        XCTAssertEqual(VariantSpec.defaults[1].objectKey(folder: "o/i", format: .png), "o/i/small.png")
    }
}

final class VariantDisplayOrderTests: XCTestCase {
    private func variant(_ name: String) -> MediaVariant {
        MediaVariant(name: name, objectKey: "o/\(name)", mimeType: "image/jpeg", size: 1, width: 1, height: 1)
    }

    func testContractVariantsComeInTheContractsOrderThenOthersByName() {
        let stored = ["original_webp", "zoom", "large", "banner", "thumbnail", "small", "medium"].map(variant)
        XCTAssertEqual(MediaVariant.inDisplayOrder(stored).map(\.name),
                       ["thumbnail", "small", "medium", "large", "original_webp", "banner", "zoom"])
        XCTAssertEqual(MediaVariant.inDisplayOrder([]), [])
    }
}
