import Foundation
import Hashing
import S3
import XCTest

/// Multipart uploads against the live store: the calls resumable uploads are built on.
final class S3MultipartLiveTests: XCTestCase {
    private var client: S3Client!
    private var bucket = ""
    private var prefix = ""

    override func setUpWithError() throws {
        let (configuration, bucket) = try LiveS3.setUp(self)
        client = try S3Client(configuration: configuration)
        self.bucket = bucket
        prefix = LiveS3.uniquePrefix()
        try LiveS3.ensureBucket(client, bucket)
    }

    override func tearDownWithError() throws {
        if let client, !prefix.isEmpty { try client.deletePrefix(bucket: bucket, prefix: prefix) }
    }

    func testPartsSentAgainReplaceTheirNumberAndAssembleInOrder() throws {
        let key = prefix + "assembled file (1).bin"
        let first = LiveS3.randomBytes(5 << 20), second = LiveS3.randomBytes(1000)
        let uploadId = try client.createMultipartUpload(bucket: bucket, key: key, contentType: "application/octet-stream")
        _ = try client.uploadPart(bucket: bucket, key: key, uploadId: uploadId, partNumber: 1, body: LiveS3.randomBytes(5 << 20))
        let etag1 = try client.uploadPart(bucket: bucket, key: key, uploadId: uploadId, partNumber: 1, body: first)
        let path = NSTemporaryDirectory() + "part-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: path, contents: Data(second))
        defer { unlink(path) }
        let etag2 = try client.uploadPart(bucket: bucket, key: key, uploadId: uploadId, partNumber: 2, file: path)
        // SeaweedFS lists a part sent twice under both ETags (AWS lists the last one only): the
        // service keeps each part's ETag itself and completes with those, never with a listing.
        let listed = try client.listParts(bucket: bucket, key: key, uploadId: uploadId)
        XCTAssertEqual(Set(listed.map(\.partNumber)), [1, 2])
        XCTAssertTrue(listed.contains { $0.partNumber == 1 && $0.etag == etag1 })
        XCTAssertTrue(listed.contains { $0.partNumber == 2 && $0.etag == etag2 && $0.size == 1000 })
        XCTAssertTrue(try client.listMultipartUploads(bucket: bucket, prefix: prefix).contains { $0.uploadId == uploadId })
        try client.completeMultipartUpload(bucket: bucket, key: key, uploadId: uploadId,
                                           parts: [S3UploadedPart(partNumber: 1, etag: etag1), S3UploadedPart(partNumber: 2, etag: etag2)])
        let stored = try client.getObjectBytes(bucket: bucket, key: key).body
        XCTAssertEqual(SHA256.hash(stored), SHA256.hash(first + second))
        XCTAssertFalse(try client.listMultipartUploads(bucket: bucket, prefix: prefix).contains { $0.uploadId == uploadId })
    }

    func testAnAbortedUploadIsGoneAndAbortingAgainIsDone() throws {
        let key = prefix + "abandoned.bin"
        let uploadId = try client.createMultipartUpload(bucket: bucket, key: key, contentType: "application/octet-stream")
        _ = try client.uploadPart(bucket: bucket, key: key, uploadId: uploadId, partNumber: 1, body: LiveS3.randomBytes(1000))
        try client.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
        try client.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
        XCTAssertFalse(try client.listMultipartUploads(bucket: bucket, prefix: prefix).contains { $0.uploadId == uploadId })
        XCTAssertThrowsError(try client.headObject(bucket: bucket, key: key))
    }
}
