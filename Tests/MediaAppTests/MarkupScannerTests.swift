@testable import MediaApp
import XCTest

final class MarkupScannerTests: XCTestCase {
    private func scan(_ chunks: [[UInt8]]) -> [String] {
        var scanner = MarkupScanner()
        for chunk in chunks { scanner.feed(chunk) }
        return scanner.found
    }

    private func noise(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    func testFindsTagsCaseInsensitively() {
        let jpegWithPage = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x3C, count: 10) + Array("junk<HtMl><ScRiPt>alert(1)".utf8)
        XCTAssertEqual(scan([jpegWithPage]), ["<script", "<html"])
        XCTAssertEqual(scan([Array("%PDF-1.4\n<!DOCTYPE html><body>".utf8)]), ["<!doctype html", "<body"])
        XCTAssertEqual(scan([Array("GIF89a/*xx*/=1;<svg onload=alert(1)>".utf8)]), ["<svg"])
        XCTAssertEqual(scan([Array("<?php system($_GET['c']); ?>".utf8)]), ["<?php"])
    }

    func testNamespacedTagsAreTheTags() {
        let xhtml = "<?xml version=\"1.0\"?><doc><h:script xmlns:h=\"http://www.w3.org/1999/xhtml\">alert(1)</h:script></doc>"
        XCTAssertEqual(scan([Array(xhtml.utf8)]), ["<script"])
        XCTAssertEqual(scan([Array("<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\"/>".utf8)]), ["<svg"])
        XCTAssertEqual(scan([Array("<X-1.y_z:IFRAME src=x>".utf8)]), ["<iframe"])
        XCTAssertEqual(scan([Array("<a:b:script> <1h:script> <h :script>".utf8)]), [], "one prefix, starting with a letter, no spaces")
        let long = "<" + String(repeating: "p", count: MarkupScanner.maxPrefixBytes) + ":script>"
        XCTAssertEqual(scan([Array(long.utf8)]), [], "prefixes longer than the scanner looks are not one")
        let text = Array("binary<html:script>x".utf8) + noise(MarkupScanner.edgeBytes * 2)
        for cut in 1..<22 {
            XCTAssertEqual(scan([Array(text[..<cut]), Array(text[cut...])]), ["<script"], "cut at \(cut)")
        }
    }

    func testScriptIsFoundDeepInsideShortTagsOnlyAtTheEdges() {
        let middle = noise(3 * MarkupScanner.edgeBytes)
        let deepScript = noise(10_000) + Array("<script>alert(1)</script><html>".utf8) + noise(10_000)
        XCTAssertEqual(scan([deepScript]), ["<script"], "<html in the middle of a file is left alone")
        XCTAssertEqual(scan([middle + Array("<html><body>".utf8)]), ["<html", "<body"], "appended at the end")
        XCTAssertEqual(scan([Array("<svg/onload=x>".utf8) + middle]), ["<svg"], "at the start")
    }

    func testPlainBinaryAndXMPAreClean() {
        XCTAssertEqual(scan([Array(0...255).map(UInt8.init)]), [])
        let xmp = Array("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF><rdf:Description/></rdf:RDF></x:xmpmeta>".utf8)
        XCTAssertEqual(scan([xmp]), [])
        XCTAssertEqual(scan([Array("<<\n/Type /Page /Contents 4 0 R>> <6f626a> <scripts <svgx <scrip".utf8)]), [],
                       "PDF dictionaries, hex strings, longer words, half a tag")
        // Megabytes of noise (compressed image data) hold `<svg` now and then, never a tag.
        var scanner = MarkupScanner()
        for seed in 0..<4 { scanner.feed(noise(1 << 20, seed: UInt64(seed))) }
        XCTAssertEqual(scanner.found, [])
    }

    func testScanningKeepsUpWithAnUpload() {
        let chunk = noise(256 * 1024)
        var scanner = MarkupScanner()
        let started = Date()
        for _ in 0..<256 { scanner.feed(chunk) }   // 64 MB, in the upload's chunk size
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "even a debug build scans at several MB/s")
        XCTAssertEqual(scanner.found, [])
    }

    func testTagsSplitAcrossChunksAreFound() {
        let text = Array("\u{0}\u{1}binary<script>x".utf8) + noise(MarkupScanner.edgeBytes * 2)
        for cut in 1..<20 {
            XCTAssertEqual(scan([Array(text[..<cut]), Array(text[cut...])]), ["<script"], "cut at \(cut)")
        }
        // One byte at a time: the tag spans many chunks.
        XCTAssertEqual(scan(Array("ab<!DOCTYPE HTML>".utf8).map { [$0] }), ["<!doctype html"])
        XCTAssertEqual(scan(Array("ab<iframe src=x>".utf8).map { [$0] } + [noise(MarkupScanner.edgeBytes * 2)]), ["<iframe"])
    }

    func testATagIsReportedOnce() {
        XCTAssertEqual(scan([Array("<script><script>".utf8), Array("<script>".utf8)]), ["<script"])
    }
}
