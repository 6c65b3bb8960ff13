import MediaCore
import MediaHTTP
import XCTest

final class MultipartParserTests: XCTestCase {
    private struct Part: Equatable {
        var header: MultipartPart
        var body: [UInt8]
    }

    /// Parses `body` fed in chunks of `chunk` bytes.
    private func parse(_ body: [UInt8], boundary: String = "XyZ", chunk: Int = 7,
                       limits: MultipartLimits = MultipartLimits()) throws -> [Part] {
        var parser = MultipartParser(boundary: boundary, limits: limits)
        var parts: [Part] = []
        var offset = 0
        while offset < body.count {
            let end = min(body.count, offset + chunk)
            try parser.feed(Array(body[offset..<end])) { event in
                switch event {
                case .begin(let header): parts.append(Part(header: header, body: []))
                case .data(let bytes): parts[parts.count - 1].body.append(contentsOf: bytes)
                case .end: break
                }
            }
            offset = end
        }
        try parser.finish()
        return parts
    }

    private let sample = Array(("preamble\r\n--XyZ\r\n" +
        "Content-Disposition: form-data; name=\"orgSlug\"\r\n\r\nacme\r\n" +
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".jpg\"\r\n" +
        "Content-Type: image/jpeg\r\n\r\n\u{00}\r\n--Xy\r\n--XyQ tail\r\n--XyZ--\r\nepilogue").utf8)

    func testFieldsAndFileWhateverTheChunkSize() throws {
        for chunk in [1, 2, 3, 5, 7, 16, 64, 10_000] {
            let parts = try parse(sample, chunk: chunk)
            XCTAssertEqual(parts.count, 2, "chunk \(chunk)")
            XCTAssertEqual(parts[0], Part(header: MultipartPart(name: "orgSlug"), body: Array("acme".utf8)))
            XCTAssertEqual(parts[1].header, MultipartPart(name: "file", filename: "a \"b\".jpg", contentType: "image/jpeg"))
            XCTAssertEqual(parts[1].body, Array("\u{00}\r\n--Xy\r\n--XyQ tail".utf8), "chunk \(chunk)")
        }
    }

    func testExtendedFilenameWinsAndEmptyBodiesAreFine() throws {
        let body = Array(("--b\r\nContent-Disposition: form-data; name=file; filename=\"fallback.jpg\"; filename*=UTF-8''na%C3%AFve.jpg\r\n\r\n" +
                          "\r\n--b--").utf8)
        let parts = try parse(body, boundary: "b")
        XCTAssertEqual(parts.first?.header.filename, "naïve.jpg")
        XCTAssertEqual(parts.first?.body, [])
    }

    /// Browsers send a Windows path's backslashes as they are; curl escapes `\` and `"`.
    func testBackslashesInFilenamesAreKeptUnlessTheyEscape() throws {
        func filename(_ quoted: String) throws -> String? {
            let body = Array(("--b\r\nContent-Disposition: form-data; name=file; filename=\"\(quoted)\"\r\n\r\n\r\n--b--").utf8)
            return try parse(body, boundary: "b").first?.header.filename
        }
        XCTAssertEqual(try filename("..\\..\\windows\\win.ini.jpg"), "..\\..\\windows\\win.ini.jpg")
        XCTAssertEqual(try filename("C:\\\\dir\\\\a.jpg"), "C:\\dir\\a.jpg")
        XCTAssertEqual(try filename("say \\\"hi\\\".jpg"), "say \"hi\".jpg")
        XCTAssertEqual(try filename("it\\'s.jpg"), "it\\'s.jpg")
    }

    func testMissingClosingBoundaryIsRefused() {
        let truncated = Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue".utf8)
        XCTAssertThrowsError(try parse(truncated, boundary: "b")) { error in
            XCTAssertEqual((error as? ServiceError)?.code, .validationError)
        }
    }

    func testWrongBoundaryFindsNoPartsAndIsRefused() {
        XCTAssertThrowsError(try parse(sample, boundary: "other"))
    }

    func testMalformedHeadersAreRefused() {
        let cases = [
            "--b\r\n\r\nno headers\r\n--b--",
            "--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--",
            "--b\r\nContent-Disposition: form-data; filename=\"x\"\r\n\r\nx\r\n--b--",
            "--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--b--",
            "--b\r\nno colon here\r\n\r\nx\r\n--b--",
            "--bjunk\r\n",
        ]
        for text in cases {
            XCTAssertThrowsError(try parse(Array(text.utf8), boundary: "b"), text)
        }
    }

    func testLimitsOnHeadersAndParts() {
        let huge = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: \(String(repeating: "p", count: 70_000))\r\n\r\nx\r\n--b--"
        XCTAssertThrowsError(try parse(Array(huge.utf8), boundary: "b", chunk: 4096))
        let many = (0..<150).map { "--b\r\nContent-Disposition: form-data; name=\"f\($0)\"\r\n\r\nv\r\n" }.joined() + "--b--"
        XCTAssertThrowsError(try parse(Array(many.utf8), boundary: "b", chunk: 4096, limits: MultipartLimits(maxParts: 100)))
        XCTAssertNoThrow(try parse(Array(many.utf8), boundary: "b", chunk: 4096, limits: MultipartLimits(maxParts: 200)))
    }

    func testLargeBodiesAreStreamedNotBuffered() throws {
        var parser = MultipartParser(boundary: "b")
        var received = 0
        var largestChunk = 0
        try parser.feed(Array("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n".utf8)) { _ in }
        let block = [UInt8](repeating: 0x41, count: 64 * 1024)
        for _ in 0..<160 {   // 10 MiB
            try parser.feed(block) { event in
                if case .data(let bytes) = event {
                    received += bytes.count
                    largestChunk = max(largestChunk, bytes.count)
                }
            }
        }
        try parser.feed(Array("\r\n--b--".utf8)) { event in if case .data(let bytes) = event { received += bytes.count } }
        try parser.finish()
        XCTAssertEqual(received, 160 * 64 * 1024)
        XCTAssertLessThanOrEqual(largestChunk, 64 * 1024 + 8, "each chunk is handed on as it arrives")
    }

    func testBoundaryFromContentType() throws {
        XCTAssertEqual(try MultipartParser.boundary(fromContentType: "multipart/form-data; boundary=----WebKitFormBoundary7MA4"), "----WebKitFormBoundary7MA4")
        XCTAssertEqual(try MultipartParser.boundary(fromContentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b")
        for bad in [nil, "application/json", "multipart/form-data", "multipart/form-data; boundary=", "multipart/mixed; boundary=x",
                    "multipart/form-data; boundary=\(String(repeating: "x", count: 71))"] {
            XCTAssertThrowsError(try MultipartParser.boundary(fromContentType: bad), bad ?? "nil")
        }
    }
}
