import MediaCore
import XCTest

final class FileTypeTests: XCTestCase {
    private func sniff(_ text: String) -> FileType { FileType.sniff(Array(text.utf8)) }

    func testMagicNumbers() {
        XCTAssertEqual(FileType.sniff([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), .jpeg)
        XCTAssertEqual(FileType.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]), .png)
        XCTAssertEqual(sniff("GIF89a\u{1}\u{0}"), .gif)
        XCTAssertEqual(sniff("GIF87a"), .gif)
        XCTAssertEqual(sniff("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 "), .webp)
        XCTAssertEqual(sniff("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt "), .unknown, "RIFF alone is not WebP")
        XCTAssertEqual(FileType.sniff([0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0]), .tiff)
        XCTAssertEqual(FileType.sniff([0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8]), .tiff)
        XCTAssertEqual(FileType.sniff([0xFF, 0x0A, 0xFA]), .jxl)
        XCTAssertEqual(FileType.sniff([0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20, 0x0D, 0x0A, 0x87, 0x0A]), .jxl)
        XCTAssertEqual(sniff("%PDF-1.7\n"), .pdf)
        XCTAssertEqual(sniff("junk before the header\n%PDF-1.4\n"), .pdf, "readers accept a PDF header anywhere in the first KiB")
    }

    private func ftyp(_ major: String, _ compatible: [String]) -> [UInt8] {
        let size = 16 + 4 * compatible.count
        return [0, 0, 0, UInt8(size)] + Array("ftyp".utf8) + Array(major.utf8) + [0, 0, 0, 0]
            + compatible.flatMap { Array($0.utf8) } + [0, 0, 0, 8] + Array("meta".utf8)
    }

    func testISOBrands() {
        XCTAssertEqual(FileType.sniff(ftyp("avif", ["mif1", "miaf"])), .avif)
        XCTAssertEqual(FileType.sniff(ftyp("avis", ["avif"])), .avif)
        XCTAssertEqual(FileType.sniff(ftyp("heic", ["mif1", "heic"])), .heic)
        XCTAssertEqual(FileType.sniff(ftyp("mif1", ["mif1", "avif"])), .avif, "generic HEIF naming AVIF")
        XCTAssertEqual(FileType.sniff(ftyp("mif1", ["mif1", "heic"])), .heic)
        XCTAssertEqual(FileType.sniff(ftyp("isom", ["isom", "mp41"])), .unknown, "MP4 video is not an image")
    }

    func testMarkup() {
        XCTAssertEqual(sniff("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), .svg)
        XCTAssertEqual(sniff("\u{FEFF}  <?xml version=\"1.0\"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\">\n<svg>"), .svg)
        XCTAssertEqual(sniff("<?xml version=\"1.0\"?><?xml-stylesheet href=\"a.css\"?><SVG width=\"1\">"), .svg)
        XCTAssertEqual(sniff("<?xml version=\"1.0\"?><svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\">"), .svg)
        XCTAssertEqual(sniff("<!DOCTYPE html><html><body>hi</body></html>"), .html)
        XCTAssertEqual(sniff("\n\n  <HTML>"), .html)
        XCTAssertEqual(sniff("<!-- x --><script>alert(1)</script>"), .html)
        XCTAssertEqual(sniff("<p>hello"), .html)
        XCTAssertEqual(sniff("<?xml version=\"1.0\"?><rss version=\"2.0\"></rss>"), .xml)
        XCTAssertEqual(sniff("<svgfoo>"), .unknown, "an element merely starting with svg is not SVG")
        XCTAssertEqual(sniff("<?xml version=\"1.0\"?><!-- never closed"), .xml)
    }

    func testUnknownAndEmpty() {
        XCTAssertEqual(FileType.sniff([]), .unknown)
        XCTAssertEqual(FileType.sniff([0xFF, 0xD8]), .unknown, "too short for a JPEG signature")
        XCTAssertEqual(sniff("hello, plain text"), .unknown)
        XCTAssertEqual(FileType.unknown.mimeType, "application/octet-stream")
    }

    func testNamesAndProperties() {
        XCTAssertEqual(FileType.jpeg.mimeType, "image/jpeg")
        XCTAssertEqual(FileType.jpeg.fileExtension, "jpg")
        XCTAssertEqual(FileType.svg.mimeType, "image/svg+xml")
        XCTAssertEqual(FileType.heic.fileExtension, "heic")
        XCTAssertTrue(FileType.webp.isImage)
        XCTAssertFalse(FileType.svg.isImage, "SVG is never rasterised")
        XCTAssertFalse(FileType.pdf.isImage)
        XCTAssertTrue(FileType.gif.isAnimatedCapable)
        XCTAssertTrue(FileType.webp.isAnimatedCapable)
        XCTAssertFalse(FileType.png.isAnimatedCapable)
        XCTAssertEqual(FileType(name: "JPG"), .jpeg)
        XCTAssertEqual(FileType(name: "tif"), .tiff)
        XCTAssertNil(FileType(name: "exe"))
        for type in FileType.allCases { XCTAssertFalse(type.mimeType.isEmpty) }
    }

    func testDefaultAllowList() {
        let allow = FileTypeAllowList.default
        for type: FileType in [.jpeg, .png, .gif, .webp, .avif, .heic, .tiff, .pdf] { XCTAssertTrue(allow.contains(type), "\(type)") }
        for type: FileType in [.svg, .html, .xml, .unknown, .jxl] { XCTAssertFalse(allow.contains(type), "\(type)") }
        XCTAssertEqual(allow.imageTypes, [.jpeg, .png, .gif, .webp, .avif, .heic, .tiff])
        XCTAssertNoThrow(try allow.check(.png))
        do {
            try allow.check(.svg)
            XCTFail("SVG must be refused")
        } catch {
            XCTAssertEqual(error.code, .unsupportedMediaType)
            XCTAssertEqual(error.code.status, 415)
        }
    }

    func testAllowListConfiguration() throws {
        let parsed = try FileTypeAllowList(parsing: " jpg, PNG ,svg,")
        XCTAssertEqual(parsed.types, [.jpeg, .png, .svg])
        XCTAssertThrowsError(try FileTypeAllowList(parsing: "jpeg,html")) { error in
            XCTAssertEqual(error as? FileTypeAllowList.ParseError, .neverAllowed(.html))
        }
        XCTAssertThrowsError(try FileTypeAllowList(parsing: "jpeg,bmpx")) { error in
            XCTAssertEqual(error as? FileTypeAllowList.ParseError, .unknownName("bmpx"))
        }
        XCTAssertThrowsError(try FileTypeAllowList(parsing: "png,xml")) { error in
            XCTAssertEqual(error as? FileTypeAllowList.ParseError, .neverAllowed(.xml), "XML can be a page (XHTML namespace)")
        }
        XCTAssertFalse(FileTypeAllowList([.html, .png]).contains(.html), "HTML can never be allowed")
        XCTAssertFalse(FileTypeAllowList([.xml, .png]).contains(.xml), "XML can never be allowed")
    }
}
