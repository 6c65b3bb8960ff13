@testable import MediaApp
import XCTest

final class MarkupScannerTests: XCTestCase {
    private func scan(_ chunks: [[UInt8]]) -> [String] {
        var scanner = MarkupScanner()
        for chunk in chunks { scanner.feed(chunk) }
        return scanner.found
    }

    func testFindsTagsAnywhereCaseInsensitively() {
        let jpegWithPage = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x3C, count: 10) + Array("junk<HtMl><ScRiPt>alert(1)".utf8)
        XCTAssertEqual(scan([jpegWithPage]), ["<html", "<script"])
        XCTAssertEqual(scan([Array("%PDF-1.4\n<!DOCTYPE html><body>".utf8)]), ["<!doctype html", "<body"])
        XCTAssertEqual(scan([Array("GIF89a/*xx*/=1;<svg onload=alert(1)>".utf8)]), ["<svg"])
    }

    func testPlainBinaryAndXMPAreClean() {
        XCTAssertEqual(scan([Array(0...255).map(UInt8.init)]), [])
        let xmp = Array("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF><rdf:Description/></rdf:RDF></x:xmpmeta>".utf8)
        XCTAssertEqual(scan([xmp]), [])
        XCTAssertEqual(scan([Array("<<\n/Type /Page /Contents 4 0 R>> <6f626a> <scrip".utf8)]), [], "PDF dictionaries, hex strings, half a tag")
    }

    func testTagsSplitAcrossChunksAreFound() {
        let text = Array("\u{0}\u{1}binary<script>x".utf8)
        for cut in 1..<text.count {
            XCTAssertEqual(scan([Array(text[..<cut]), Array(text[cut...])]), ["<script"], "cut at \(cut)")
        }
        // One byte at a time: the tag spans many chunks.
        XCTAssertEqual(scan(Array("ab<!DOCTYPE HTML>".utf8).map { [$0] }), ["<!doctype html"])
    }

    func testATagIsReportedOnce() {
        XCTAssertEqual(scan([Array("<script><script>".utf8), Array("<script>".utf8)]), ["<script"])
    }
}
