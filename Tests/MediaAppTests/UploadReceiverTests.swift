@testable import MediaApp
import Hashing
import MediaCore
import MediaHTTP
import XCTest

final class UploadReceiverTests: XCTestCase {
    private func request(_ parts: [(name: String, filename: String?, body: [UInt8])], boundary: String = "BOUNDARY") -> Request {
        var body: [UInt8] = []
        for part in parts {
            var header = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { header += "; filename=\"\(filename)\"\r\nContent-Type: image/jpeg" }
            header += "\r\n\r\n"
            body += Array(header.utf8) + part.body + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return Request(method: "POST", uri: "/upload", headers: HTTPHeaders([("Content-Type", "multipart/form-data; boundary=\(boundary)")]),
                       body: BufferedBody(body), contentLength: body.count)
    }

    private let receiver = UploadReceiver(maxFileBytes: 1_000_000, allowedFields: ["orgSlug", "alt"])

    func testFileGoesToDiskWithHashSizeAndPrefix() throws {
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let upload = try receiver.receive(request([("orgSlug", nil, Array("acme".utf8)), ("file", "beach.jpg", bytes)]))
        XCTAssertEqual(upload.fields, ["orgSlug": "acme"])
        XCTAssertEqual(upload.filename, "beach.jpg")
        XCTAssertEqual(upload.file.size, bytes.count)
        XCTAssertEqual(upload.file.sha256, SHA256.hash(bytes).hexString)
        XCTAssertEqual(upload.file.prefix, Array(bytes.prefix(4096)))
        XCTAssertEqual(try Array(Data(contentsOf: URL(fileURLWithPath: upload.file.path))), bytes)
        let path = upload.file.path
        _ = consume upload
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "temporary file removed with the upload")
    }

    func testRefusals() {
        let cases: [(Request, ErrorCode, String)] = [
            (request([("orgSlug", nil, Array("acme".utf8))]), .validationError, "file"),
            (request([("file", "a", [1]), ("file", "b", [2])]), .validationError, "file"),
            (request([("orgSlug", nil, [1]), ("orgSlug", nil, [2]), ("file", "a", [1])]), .validationError, "orgSlug"),
            (request([("bogus", nil, [1]), ("file", "a", [1])]), .validationError, "bogus"),
            (request([("file", "a", Array(repeating: 1, count: 1_000_001))]), .payloadTooLarge, ""),
            (request([("alt", nil, Array(repeating: 0x61, count: 70_000)), ("file", "a", [1])]), .validationError, "alt"),
            (request([("alt", nil, [0xff, 0xfe]), ("file", "a", [1])]), .validationError, "alt"),
        ]
        for (request, code, field) in cases {
            XCTAssertThrowsError(try receiver.receive(request)) { error in
                XCTAssertEqual((error as? ServiceError)?.code, code, "\(error)")
                if !field.isEmpty { XCTAssertEqual((error as? ServiceError)?.details["field"], field) }
            }
        }
    }

    func testNoTemporaryFileIsLeftBehindByAFailedUpload() throws {
        let directory = NSTemporaryDirectory() + "upload-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let receiver = UploadReceiver(maxFileBytes: 10, allowedFields: [], temporaryDirectory: directory)
        XCTAssertThrowsError(try receiver.receive(request([("file", "a", Array(repeating: 1, count: 100))])))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
    }

    func testDeclaredLengthFarOverTheLimitIsRefusedBeforeReading() {
        var big = request([("file", "a", [1])])
        big.contentLength = 50_000_000
        XCTAssertThrowsError(try receiver.receive(big)) { XCTAssertEqual(($0 as? ServiceError)?.code, .payloadTooLarge) }
    }
}
