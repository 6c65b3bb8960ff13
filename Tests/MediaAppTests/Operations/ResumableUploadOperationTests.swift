@testable import MediaApp
import Hashing
import MediaCore
import MediaHTTP
import MediaTestSupport
import XCTest

/// tus uploads against the in-memory ports: parts and tails, the lease, and every way a PATCH
/// can fail without losing or leaving anything.
final class ResumableUploadOperationTests: XCTestCase {
    private var fakes: InMemoryOperations!
    private let org = OperationFixtures.organization
    private let mib = 1 << 20

    override func setUpWithError() throws { fakes = try InMemoryOperations(settings: ["RESUMABLE_LOCK_SECONDS": "10"]) }

    private var operation: ResumableUploadOperation { ResumableUploadOperation(environment: fakes.environment) }

    private func options(_ filename: String = "file.pdf") -> ResumableUploadOperation.Options {
        .init(filename: filename, declaredType: nil, alt: nil, caption: nil, description: nil, isPrivate: false, generateVariants: false)
    }

    private func pdf(_ size: Int) -> [UInt8] {
        var bytes = OperationFixtures.pdf
        bytes += [UInt8](repeating: 0xA5, count: size - bytes.count)
        return bytes
    }

    private func create(_ length: Int?) throws -> ResumableUpload {
        try operation.create(length: length, options: options(), metadata: "", organization: org).1
    }

    @discardableResult
    private func append(_ upload: ResumableUpload, at offset: Int, _ bytes: ArraySlice<UInt8>, length: Int? = nil,
                        checksum: TusHeaders.Checksum? = nil) throws -> ResumableUploadOperation.Progress {
        try operation.append(upload.mediaId, organization: org, offset: offset, length: length, body: BufferedBody(Array(bytes)),
                             checksum: checksum)
    }

    private func privateKeys(_ upload: ResumableUpload) -> [String] {
        fakes.storage.keys(in: "media-private", under: "_resumable/acme/\(upload.mediaId)/")
            + fakes.storage.keys(in: "media-private", under: "_staging/acme/\(upload.mediaId)")
    }

    func testChunksThatDoNotMatchPartsAreAssembledIntoTheFile() throws {
        let data = pdf(8 * mib + 3 * mib)
        let upload = try create(data.count)
        XCTAssertEqual(upload.partSize, 8 * mib)
        try append(upload, at: 0, data[0..<(5 * mib)])
        XCTAssertEqual(privateKeys(upload), ["_resumable/acme/\(upload.mediaId)/tail-1"], "5 MiB wait in a tail")
        try append(upload, at: 5 * mib, data[(5 * mib)..<(10 * mib)])
        XCTAssertEqual(fakes.uploads.uploads[upload.mediaId]?.offset, 10 * mib)
        XCTAssertEqual(privateKeys(upload), ["_resumable/acme/\(upload.mediaId)/tail-2"], "part 1 stored, the old tail removed")
        let done = try append(upload, at: 10 * mib, data[(10 * mib)...])
        let media = try XCTUnwrap(done.media)
        XCTAssertEqual(media.status, .ready)
        XCTAssertEqual(media.size, data.count)
        XCTAssertEqual(media.checksum, "sha256:" + SHA256.hash(data).hexString)
        XCTAssertEqual(fakes.storage.object("media", media.objectKey)?.bytes, data)
        XCTAssertEqual(fakes.storage.object("media", media.objectKey)?.contentType, "application/pdf")
        XCTAssertEqual(fakes.storage.copies, 1, "the inspected staged object is copied by S3, not uploaded again")
        XCTAssertEqual(privateKeys(upload), [], "tails and the staged object are gone")
        XCTAssertNil(fakes.uploads.uploads[upload.mediaId])
        XCTAssertTrue(fakes.storage.multipart.isEmpty)
    }

    func testAChecksumMismatchCountsNothing() throws {
        let data = pdf(1000)
        let upload = try create(data.count)
        let wrong = try TusHeaders.Checksum("sha256 " + Data(SHA256.hash(Array("other".utf8))).base64EncodedString())
        XCTAssertThrowsError(try append(upload, at: 0, data[0..<500], checksum: wrong)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .checksumMismatch)
        }
        XCTAssertEqual(fakes.uploads.uploads[upload.mediaId]?.offset, 0)
        XCTAssertEqual(privateKeys(upload), [])
    }

    func testAnotherOffsetIsAConflict() throws {
        let upload = try create(1000)
        XCTAssertThrowsError(try append(upload, at: 10, pdf(100)[...])) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .conflict)
            XCTAssertEqual(($0 as? ServiceError)?.details["offset"], "0")
        }
    }

    func testASecondWriterIsLockedUntilTheHoldersLeaseLapses() throws {
        let data = pdf(1000)
        let upload = try create(data.count)
        XCTAssertTrue(try fakes.uploads.lock(mediaId: upload.mediaId, owner: "a-request-that-died", seconds: 10))
        XCTAssertThrowsError(try append(upload, at: 0, data[0..<100])) { XCTAssertEqual(($0 as? ServiceError)?.code, .locked) }
        fakes.uploads.now += 11
        XCTAssertEqual(try append(upload, at: 0, data[0..<100]).upload.offset, 100)
    }

    func testAFailedCommitKeepsTheStoredTail() throws {
        let data = pdf(1000)
        let upload = try create(data.count)
        try append(upload, at: 0, data[0..<100])
        fakes.uploads.failsNextAdvance = ServiceError.unavailable("database")
        XCTAssertThrowsError(try append(upload, at: 100, data[100..<300]))
        XCTAssertEqual(fakes.uploads.uploads[upload.mediaId]?.offset, 100)
        XCTAssertEqual(fakes.storage.object("media-private", "_resumable/acme/\(upload.mediaId)/tail-1")?.bytes.prefix(100),
                       data[0..<100], "the tail the stored offset counts on is intact")
        let done = try append(upload, at: 100, data[100...])
        XCTAssertEqual(fakes.storage.object("media", try XCTUnwrap(done.media).objectKey)?.bytes, data)
    }

    func testABodyCutShortKeepsWhatArrived() throws {
        let data = pdf(1000)
        let upload = try create(data.count)
        let progress = try operation.append(upload.mediaId, organization: org, offset: 0, length: nil,
                                            body: CutBody(Array(data[0..<400])), checksum: nil)
        XCTAssertEqual(progress.upload.offset, 400)
        XCTAssertNil(fakes.uploads.leases[upload.mediaId], "the lease is released")
    }

    func testARefusedFileLeavesNothing() throws {
        let page = Array("<!doctype html><html><script>alert(1)</script></html>".utf8)
        let upload = try create(page.count)
        XCTAssertThrowsError(try append(upload, at: 0, page[...])) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .unsupportedMediaType)
        }
        XCTAssertNil(fakes.media.rows[upload.mediaId])
        XCTAssertNil(fakes.uploads.uploads[upload.mediaId])
        XCTAssertEqual(privateKeys(upload), [])
        XCTAssertEqual(fakes.storage.keys(in: "media", under: "acme/\(upload.mediaId)/"), [])
    }

    func testAPixelBombLeavesNothing() throws {
        // The imaging layer's refusal (422), not a ServiceError: the upload still goes with its media.
        var png = OperationFixtures.png
        png.replaceSubrange(16..<24, with: [0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF])
        let upload = try operation.create(length: png.count, options: options("bomb.png"), metadata: "", organization: org).1
        XCTAssertThrowsError(try append(upload, at: 0, png[...])) {
            XCTAssertEqual(($0 as? ContractError)?.serviceError.code.status, 422, "\($0)")
        }
        XCTAssertNil(fakes.media.rows[upload.mediaId])
        XCTAssertNil(fakes.uploads.uploads[upload.mediaId])
        XCTAssertEqual(privateKeys(upload), [])
        XCTAssertTrue(fakes.storage.multipart.isEmpty)
    }

    func testADeferredLengthIsGivenLater() throws {
        let data = pdf(1000)
        let upload = try create(nil)
        try append(upload, at: 0, data[...])
        XCTAssertNil(fakes.uploads.uploads[upload.mediaId]?.length)
        let done = try append(upload, at: 1000, [][...], length: 1000)
        XCTAssertEqual(done.media?.status, .ready)
    }

    func testTerminationRemovesEverything() throws {
        let upload = try create(1000)
        try append(upload, at: 0, pdf(1000)[0..<600])
        try operation.terminate(upload.mediaId, organization: org)
        XCTAssertNil(fakes.media.rows[upload.mediaId])
        XCTAssertNil(fakes.uploads.uploads[upload.mediaId])
        XCTAssertEqual(privateKeys(upload), [])
        XCTAssertTrue(fakes.storage.multipart.isEmpty)
    }

    func testCreationOverTheLimitCreatesNothing() throws {
        XCTAssertThrowsError(try create((50 << 30) + 1)) { XCTAssertEqual(($0 as? ServiceError)?.code, .payloadTooLarge) }
        XCTAssertTrue(fakes.media.rows.isEmpty)
        XCTAssertTrue(fakes.storage.multipart.isEmpty)
    }

    func testARowThatCannotBeWrittenAbortsTheMultipartUpload() throws {
        fakes.uploads.failsWrites = ServiceError.unavailable("database")
        XCTAssertThrowsError(try create(1000))
        XCTAssertTrue(fakes.media.rows.isEmpty, "the media row is removed again")
        XCTAssertTrue(fakes.storage.multipart.isEmpty)
    }

    func testAnotherOrganizationFindsNothing() throws {
        let upload = try create(1000)
        let other = Organization(id: "org-2", slug: "other", name: "Other")
        XCTAssertThrowsError(try operation.current(upload.mediaId, organization: other)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .notFound)
        }
        XCTAssertThrowsError(try operation.terminate(upload.mediaId, organization: other)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .notFound)
        }
    }
}

/// A request body whose connection drops after `bytes`.
private final class CutBody: RequestBodySource {
    private let inner: BufferedBody
    init(_ bytes: [UInt8]) { inner = BufferedBody(bytes) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try inner.read(into: buffer)
        if count == 0 { throw CocoaError(.fileReadUnknown) }
        return count
    }
}
