import Foundation
@testable import Imaging
import MediaCore
import Synchronization
import XCTest

final class VariantGeneratorTests: XCTestCase {
    override func setUp() { Vips.start() }

    private func generate(_ name: String, _ generator: VariantGenerator = VariantGenerator()) throws -> [String: EncodedVariant] {
        let variants = try generator.generate(.bytes(Fixtures.bytes(name)))
        XCTAssertEqual(variants.map(\.name), generator.specs.map(\.name), "in spec order")
        return Dictionary(uniqueKeysWithValues: variants.map { ($0.name, $0) })
    }

    private func size(_ variant: EncodedVariant?) -> [Int] { [variant?.width ?? -1, variant?.height ?? -1] }

    func testOrientationIsAppliedBeforeResizing() throws {
        for name in ["orientation6-gps.jpg", "orientation6-progressive.jpg"] {
            try checkOrientationIsAppliedBeforeResizing(name)
        }
    }

    /// Sequential JPEGs are decoded at reduced scale for the resized variants, progressive
    /// ones once in full: both give the same sizes and orientation.
    private func checkOrientationIsAppliedBeforeResizing(_ name: String) throws {
        let variants = try generate(name)
        // Displayed 200×400 (stored 400×200 with orientation 6).
        XCTAssertEqual(size(variants["thumbnail"]), [78, 156])
        XCTAssertEqual(size(variants["small"]), [200, 400])
        XCTAssertEqual(size(variants["large"]), [200, 400])
        XCTAssertEqual(size(variants["original_webp"]), [200, 400])
        for variant in variants.values {
            let image = try Fixtures.decode(variant.bytes)
            XCTAssertEqual([image.width, image.height], [variant.width, variant.height], variant.name)
            XCTAssertEqual(image.orientation, 1, "\(variant.name): no orientation left to apply")
            // The stored top-left red corner is displayed at the top right.
            let topRight = try image.pixel(x: image.width - 3, y: 3)
            let topLeft = try image.pixel(x: 3, y: 3)
            XCTAssertGreaterThan(topRight[0], 180, "\(variant.name) top right should be red: \(topRight)")
            XCTAssertLessThan(topRight[2], 90, variant.name)
            XCTAssertLessThan(topLeft[0], 90, "\(variant.name) top left should be blue: \(topLeft)")
            XCTAssertGreaterThan(topLeft[2], 180, variant.name)
        }
    }

    /// Progressive JPEGs, from a file or memory, are decoded once in full by the variant
    /// pipeline; sequential ones are left to shrink-on-load.
    func testProgressiveJPEGIsRecognised() throws {
        for name in ["orientation6-progressive.jpg", "orientation6-gps.jpg", "small-300.jpg", "cmyk.jpg", "alpha.png"] {
            let progressive = name == "orientation6-progressive.jpg"
            for source in [ImageSource.file(path: Fixtures.url(name).path), .bytes(Fixtures.bytes(name))] {
                let opened = try OpenedSource(source)
                let info = try ImageProbe.probe(opened, maxPixels: 1_000_000, maxFrames: 1)
                XCTAssertEqual(opened.jpegFrameKind(), progressive ? .progressive : info.fileType == .jpeg ? .sequential : .unknown,
                               name)
                let pipeline = try VariantPipeline(source: opened, info: info,
                                                   plan: VariantPlan(specs: VariantSpec.defaults, info: info, maxFrames: 1),
                                                   encoding: EncodingSettings())
                XCTAssertEqual(pipeline.decoded != nil, progressive || info.fileType != .jpeg, "\(name): decoded once")
            }
        }
    }

    func testMetadataIsStripped() throws {
        let original = Fixtures.bytes("orientation6-gps.jpg")
        XCTAssertTrue(Fixtures.contains(original, "FixtureCam"))
        XCTAssertTrue(Fixtures.contains(original, "fixture-author"))
        for variant in try generate("orientation6-gps.jpg").values {
            let image = try Fixtures.decode(variant.bytes)
            XCTAssertFalse(image.has("exif-data"), "\(variant.name) carries EXIF")
            XCTAssertFalse(image.has("exif-ifd3-GPSLatitude"), "\(variant.name) carries GPS")
            XCTAssertFalse(image.has("xmp-data"), "\(variant.name) carries XMP")
            XCTAssertFalse(image.has("iptc-data"), "\(variant.name) carries IPTC")
            XCTAssertFalse(Fixtures.contains(variant.bytes, "FixtureCam"), variant.name)
            XCTAssertFalse(Fixtures.contains(variant.bytes, "fixture-author"), variant.name)
            XCTAssertFalse(Fixtures.contains(variant.bytes, "Exif"), variant.name)
        }
    }

    func testCMYKBecomesSRGB() throws {
        let variants = try generate("cmyk.jpg")
        XCTAssertEqual(variants["small"]?.format, .jpeg)
        for variant in variants.values {
            let image = try Fixtures.decode(variant.bytes)
            XCTAssertEqual(image.interpretationName, "srgb", variant.name)
            XCTAssertEqual(image.bands, 3, variant.name)
            let red = try image.pixel(x: 3, y: image.height / 2)
            let white = try image.pixel(x: image.width - 3, y: image.height / 2)
            XCTAssertGreaterThan(red[0], 180, "\(variant.name) process red: \(red)")
            XCTAssertLessThan(red[1], 100, "\(variant.name) process red: \(red)")
            XCTAssertGreaterThan(white.min() ?? 0, 230, "\(variant.name) paper white: \(white)")
        }
    }

    func testAlphaIsKept() throws {
        let variants = try generate("alpha.png")
        for name in ["thumbnail", "small", "medium", "large"] {
            XCTAssertEqual(variants[name]?.format, .png, name)
        }
        XCTAssertEqual(size(variants["large"]), [600, 400])
        XCTAssertEqual(size(variants["thumbnail"]), [234, 156])
        for variant in variants.values {
            let image = try Fixtures.decode(variant.bytes)
            XCTAssertEqual(image.bands, 4, "\(variant.name) lost its alpha")
            XCTAssertEqual(try image.pixel(x: 2, y: 2)[3], 0, "\(variant.name): transparent half")
            let opaque = try image.pixel(x: image.width - 3, y: 2)
            XCTAssertEqual(opaque[3], 255, variant.name)
            XCTAssertGreaterThan(opaque[1], 150, "\(variant.name): green, not darkened by the transparent edge")
        }
    }

    func testOtherFormatsWithAlphaBecomePNG() throws {
        let variants = try generate("alpha.tiff")
        XCTAssertEqual(variants["small"]?.format, .png)
        XCTAssertEqual(variants["small"]?.mimeType, "image/png")
        XCTAssertEqual(variants["original_webp"]?.format, .webp)
        XCTAssertEqual(try Fixtures.decode(variants["small"]!.bytes).bands, 4)
    }

    func testAVIFBecomesJPEG() throws {
        let variants = try generate("photo.avif")
        XCTAssertEqual(variants["thumbnail"]?.format, .jpeg)
        XCTAssertEqual(size(variants["thumbnail"]), [208, 156])
        XCTAssertEqual(variants["original_webp"]?.format, .webp)
        let image = try Fixtures.decode(variants["small"]!.bytes)
        XCTAssertGreaterThan(try image.pixel(x: 300, y: 100)[0], 150, "red half")
        XCTAssertGreaterThan(try image.pixel(x: 10, y: 100)[2], 150, "blue half")
    }

    func testAnimatedGIFStaysAnimated() throws {
        let variants = try generate("animated.gif")
        for name in ["thumbnail", "small", "medium", "large"] {
            let variant = try XCTUnwrap(variants[name])
            XCTAssertEqual(variant.format, .gif, name)
            XCTAssertEqual(variant.image.frameCount, 3, name)
            let image = try Fixtures.decode(variant.bytes)
            XCTAssertEqual(image.pageCountInFile, 3, "\(name) is no longer animated")
            XCTAssertEqual(image.pageHeight, variant.height, name)
        }
        XCTAssertEqual(size(variants["thumbnail"]), [234, 156])
        let webp = try XCTUnwrap(variants["original_webp"])
        XCTAssertEqual(webp.format, .webp)
        XCTAssertEqual(size(webp), [300, 200])
        let decoded = try Fixtures.decode(webp.bytes)
        XCTAssertEqual(decoded.pageCountInFile, 3, "original_webp of an animated GIF is an animated WebP")
        // Each frame keeps its own colour: frame 2 (green) at y = 200 + 100.
        let green = try decoded.pixel(x: 250, y: 300)
        XCTAssertGreaterThan(green[1], 200, "\(green)")
        XCTAssertLessThan(green[0], 60, "\(green)")
    }

    func testAnimatedWebPStaysAnimated() throws {
        let variants = try generate("animated.webp")
        for variant in variants.values {
            XCTAssertEqual(variant.format, .webp, variant.name)
            XCTAssertEqual(try Fixtures.decode(variant.bytes).pageCountInFile, 3, variant.name)
        }
    }

    func testFrameLimit() throws {
        let variants = try generate("animated.gif", VariantGenerator(maxFrames: 2))
        for variant in variants.values {
            XCTAssertEqual(try Fixtures.decode(variant.bytes).pageCountInFile, 2, variant.name)
        }
    }

    func testNeverUpscaled() throws {
        let variants = try generate("small-300.jpg")
        for variant in variants.values {
            XCTAssertLessThanOrEqual(variant.width, 300, variant.name)
            XCTAssertEqual(variant.format, variant.name == "original_webp" ? .webp : .jpeg)
        }
        XCTAssertEqual(size(variants["large"]), [300, 200])
        XCTAssertEqual(size(variants["medium"]), [300, 200])
        XCTAssertEqual(size(variants["thumbnail"]), [234, 156])
        XCTAssertEqual(variants["large"]?.bytes, variants["small"]?.bytes, "same size, encoded once")
    }

    func testFileAndMemorySourcesAgree() throws {
        for name in ["small-300.jpg", "orientation6-progressive.jpg"] {
            let fromFile = try VariantGenerator().generate(.file(path: Fixtures.url(name).path))
            let fromMemory = try VariantGenerator().generate(.bytes(Fixtures.bytes(name)))
            XCTAssertEqual(fromFile, fromMemory, name)
        }
    }

    func testCustomSpecsAndSettings() throws {
        let generator = VariantGenerator(
            specs: [.fitInside("wide", width: 100, height: 10), .fitInside("tall", width: 10, height: 100)],
            encoding: EncodingSettings(jpegQuality: 50))
        let variants = try generate("small-300.jpg", generator)
        XCTAssertEqual(size(variants["wide"]), [15, 10])
        XCTAssertEqual(size(variants["tall"]), [10, 7])
    }

    func testTruncatedAndCorruptDataIsInvalid() {
        let jpeg = Fixtures.bytes("small-300.jpg")
        XCTAssertThrowsImagingError(try VariantGenerator().generate(.bytes(Array(jpeg.prefix(jpeg.count / 2))))) {
            if case .invalidImage = $0 { true } else { false }
        }
        let progressive = Fixtures.bytes("orientation6-progressive.jpg")
        XCTAssertThrowsImagingError(try VariantGenerator().generate(.bytes(Array(progressive.prefix(progressive.count * 2 / 3))))) {
            if case .invalidImage = $0 { true } else { false }
        }
        let png = Fixtures.bytes("alpha.png")
        XCTAssertThrowsImagingError(try VariantGenerator().generate(.bytes(Array(png.prefix(png.count - 40))))) {
            if case .invalidImage = $0 { true } else { false }
        }
        var corrupt = jpeg
        for index in stride(from: 600, to: corrupt.count - 2, by: 7) { corrupt[index] = 0xFF }
        XCTAssertThrowsImagingError(try VariantGenerator().generate(.bytes(corrupt))) {
            if case .invalidImage = $0 { true } else { false }
        }
        XCTAssertThrowsImagingError(try VariantGenerator().generate(.bytes([]))) { $0 == .unsupportedType(.unknown) }
    }

    /// Every VipsImage is released: no pixel memory outlives a job, success or failure.
    func testNoPixelMemoryOutlivesAJob() throws {
        let before = Vips.trackedMemoryBytes
        for name in ["orientation6-gps.jpg", "alpha.png", "animated.gif", "cmyk.jpg", "alpha.tiff"] {
            _ = try VariantGenerator().generate(.bytes(Fixtures.bytes(name)))
            _ = try ImageCropper().crop(.bytes(Fixtures.bytes(name)), x: 0, y: 0, width: 50, height: 50, rotate: .clockwise90)
        }
        let jpeg = Fixtures.bytes("small-300.jpg")
        _ = try? VariantGenerator().generate(.bytes(Array(jpeg.prefix(jpeg.count / 2))))
        // libvips' worker threads hand back their buffers just after a job returns: allow them
        // a moment. A leak never comes back, however long one waits.
        // Memory an earlier test still held at the start may be released meanwhile, so the check
        // is "no growth", not equality.
        let deadline = Date().addingTimeInterval(5)
        while Vips.trackedMemoryBytes > before && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertLessThanOrEqual(Vips.trackedMemoryBytes, before)
    }

    /// Several jobs at once, as worker threads run them.
    func testConcurrentJobs() {
        let names = ["orientation6-gps.jpg", "alpha.png", "animated.gif", "cmyk.jpg"]
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            do {
                _ = try VariantGenerator().generate(.bytes(Fixtures.bytes(names[index % names.count])))
            } catch {
                failures.withLock { $0 += 1 }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0)
    }
}
