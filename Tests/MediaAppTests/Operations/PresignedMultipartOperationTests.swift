@testable import MediaApp
import Hashing
import MediaCore
import MediaHTTP
import MediaTestSupport
import XCTest

/// Presigned multipart uploads against the in-memory ports: the parts a client PUTs straight to
/// S3 (here: `storePart` on the fake, which keeps a re-sent part's earlier copy as SeaweedFS
/// does), and every way a completion can fail without leaving anything.
final class PresignedMultipartOperationTests: XCTestCase {
    private var fakes: InMemoryOperations!
    private let org = OperationFixtures.organization
    private let other = Organization(id: "org-2", slug: "other", name: "Other")
    private let mib = 1 << 20

    override func setUpWithError() throws { fakes = try InMemoryOperations() }

    private var operation: PresignedMultipartOperation { PresignedMultipartOperation(environment: fakes.environment) }

    private func options(_ filename: String = "file.pdf", variants: Bool = false) -> ResumableUploadOperation.Options {
        .init(filename: filename, declaredType: nil, alt: nil, caption: nil, description: nil, isPrivate: false, generateVariants: variants)
    }

    private func pdf(_ size: Int) -> [UInt8] {
        OperationFixtures.pdf + [UInt8](repeating: 0x5A, count: size - OperationFixtures.pdf.count)
    }

    private func create(_ length: Int, filename: String = "file.pdf", firstParts: Int? = nil) throws -> (ResumableUpload, PresignedMultipartOperation.Signed) {
        let (_, upload, signed) = try operation.create(length: length, options: options(filename), firstParts: firstParts, organization: org)
        return (upload, signed)
    }

    /// The client's PUT of part `number` to its presigned URL; the ETag S3 answers.
    private func put(_ upload: ResumableUpload, _ number: Int, _ bytes: ArraySlice<UInt8>) throws -> String {
        try fakes.storage.storePart(bucket: "media-private", key: "_staging/acme/\(upload.mediaId)", multipartId: upload.multipartId,
                                    number: number, .bytes(Array(bytes)))
    }

    private func putAll(_ upload: ResumableUpload, _ data: [UInt8]) throws -> [MultipartCompletion.Claimed] {
        try (1...upload.partCount).map { number in
            let start = (number - 1) * upload.partSize
            return .init(number: number, etag: try put(upload, number, data[start..<min(data.count, start + upload.partSize)]))
        }
    }

    /// An upload of `data` whose parts were all sent, and the ETags they answered.
    private func sent(_ data: [UInt8], filename: String = "file.pdf") throws -> (ResumableUpload, [MultipartCompletion.Claimed]) {
        let (upload, _) = try create(data.count, filename: filename)
        return (upload, try putAll(upload, data))
    }

    private func leftovers(_ upload: ResumableUpload) -> [String] {
        fakes.storage.keys(in: "media-private", under: "_staging/acme/\(upload.mediaId)")
            + fakes.storage.keys(in: "media", under: "acme/\(upload.mediaId)/")
    }

    func testCreationSignsTheFirstPartsWithTheirSizes() throws {
        let (upload, signed) = try create(20 * mib + 5, firstParts: 2)
        XCTAssertEqual(upload.kind, .presigned)
        XCTAssertEqual(fakes.media.rows[upload.mediaId]?.status, .pending)
        XCTAssertEqual(signed.parts.map(\.number), [1, 2])
        XCTAssertEqual(fakes.storage.signedParts.map(\.size), [8 * mib, 8 * mib])
        let more = try operation.sign(upload.mediaId, numbers: [3, 1], organization: org)
        XCTAssertEqual(more.parts.map(\.number), [1, 3])
        XCTAssertEqual(more.parts.map(\.size), [8 * mib, 4 * mib + 5], "the last part signs what remains")
        XCTAssertThrowsError(try operation.sign(upload.mediaId, numbers: [4], organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.details["partNumber"], "4")
        }
        XCTAssertThrowsError(try operation.sign(upload.mediaId, numbers: [], organization: org))
    }

    func testAPartSentAgainIsAssembledFromTheCopyTheClientNames() throws {
        let data = pdf(20 * mib)
        let upload: ResumableUpload
        var claimed: [MultipartCompletion.Claimed]
        (upload, claimed) = try sent(data)
        // Part 2 is sent again with other bytes: both copies are listed; the last ETag wins.
        var second = Array(data[(8 * mib)..<(16 * mib)])
        second[0] ^= 0xFF
        claimed[1].etag = try put(upload, 2, second[...])
        let listing = try operation.parts(upload.mediaId, organization: org).1
        XCTAssertEqual(listing.map(\.etags.count), [1, 2, 1])
        let done = try operation.complete(upload.mediaId, parts: claimed, organization: org)
        let media = try XCTUnwrap(done.media)
        var expected = data
        expected[8 * mib] ^= 0xFF
        XCTAssertEqual(media.status, .ready)
        XCTAssertEqual(media.size, data.count)
        XCTAssertEqual(media.checksum, "sha256:" + SHA256.hash(expected).hexString)
        XCTAssertEqual(fakes.storage.object("media", media.objectKey)?.bytes, expected)
        XCTAssertNil(fakes.uploads.uploads[upload.mediaId])
        XCTAssertTrue(fakes.storage.multipart.isEmpty)
        XCTAssertEqual(fakes.storage.keys(in: "media-private", under: "_staging/"), [])
    }

    func testAWrongETagChangesNothing() throws {
        let data = pdf(9 * mib)
        let upload: ResumableUpload
        var claimed: [MultipartCompletion.Claimed]
        (upload, claimed) = try sent(data)
        claimed[0].etag = "\"not-what-s3-said\""
        XCTAssertThrowsError(try operation.complete(upload.mediaId, parts: claimed, organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .validationError)
        }
        XCTAssertNotNil(fakes.uploads.uploads[upload.mediaId], "the client may complete again with the right ETag")
        XCTAssertNotNil(fakes.storage.multipart[upload.multipartId])
        XCTAssertNil(fakes.uploads.leases[upload.mediaId], "the lease is released")
        claimed = try putAll(upload, data)
        XCTAssertEqual(try operation.complete(upload.mediaId, parts: claimed, organization: org).media?.status, .ready)
    }

    func testARefusedFileLeavesNothing() throws {
        let page = Array("<!doctype html><html><script>alert(1)</script></html>".utf8)
        let (upload, claimed) = try sent(page, filename: "page.pdf")
        XCTAssertThrowsError(try operation.complete(upload.mediaId, parts: claimed, organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .unsupportedMediaType)
        }
        XCTAssertNil(fakes.media.rows[upload.mediaId])
        XCTAssertNil(fakes.uploads.uploads[upload.mediaId])
        XCTAssertTrue(fakes.storage.multipart.isEmpty)
        XCTAssertEqual(leftovers(upload), [])
    }

    func testAPixelBombLeavesNothing() throws {
        // A PNG whose header declares 2^31-1 × 2^31-1 pixels: the imaging layer refuses it (422).
        var png = OperationFixtures.png
        png.replaceSubrange(16..<24, with: [0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF])
        let (upload, claimed) = try sent(png, filename: "bomb.png")
        XCTAssertThrowsError(try operation.complete(upload.mediaId, parts: claimed, organization: org)) {
            XCTAssertEqual(($0 as? ContractError)?.serviceError.code.status, 422, "\($0)")
        }
        XCTAssertNil(fakes.media.rows[upload.mediaId])
        XCTAssertNil(fakes.uploads.uploads[upload.mediaId], "the upload goes with its refused media")
        XCTAssertTrue(fakes.storage.multipart.isEmpty)
        XCTAssertEqual(leftovers(upload), [])
    }

    func testAnAssemblyS3RefusesKeepsTheUpload() throws {
        let data = pdf(1000)
        let (upload, claimed) = try sent(data)
        fakes.storage.failsMultipartCompletion = true
        XCTAssertThrowsError(try operation.complete(upload.mediaId, parts: claimed, organization: org))
        XCTAssertEqual(fakes.media.rows[upload.mediaId]?.status, .pending)
        XCTAssertNotNil(fakes.uploads.uploads[upload.mediaId])
        fakes.storage.failsMultipartCompletion = false
        XCTAssertEqual(try operation.complete(upload.mediaId, parts: claimed, organization: org).media?.status, .ready)
    }

    func testACompletionCutAfterTheAssemblyIsFinishedByTheNext() throws {
        let data = pdf(9 * mib)
        let (upload, claimed) = try sent(data)
        // The media's lock is held (a job): the parts are assembled, the inspection cannot run.
        fakes.jobs.holdLock(mediaId: upload.mediaId)
        XCTAssertThrowsError(try operation.complete(upload.mediaId, parts: claimed, organization: org))
        XCTAssertTrue(fakes.storage.multipart.isEmpty, "S3 assembled the parts")
        XCTAssertEqual(fakes.storage.keys(in: "media-private", under: "_staging/"), ["_staging/acme/\(upload.mediaId)"])
        XCTAssertEqual(fakes.media.rows[upload.mediaId]?.status, .pending)
        XCTAssertEqual(try operation.parts(upload.mediaId, organization: org).1, [], "nothing left to list")
        try fakes.jobs.unlock(mediaId: upload.mediaId, owner: "another-job")
        let done = try operation.complete(upload.mediaId, parts: claimed, organization: org)
        XCTAssertEqual(done.media?.checksum, "sha256:" + SHA256.hash(data).hexString)
        XCTAssertNil(fakes.uploads.uploads[upload.mediaId])
        XCTAssertEqual(fakes.storage.keys(in: "media-private", under: "_staging/"), [])
    }

    func testAnUnreadableListingCompletesNothing() throws {
        let data = pdf(1000)
        let (upload, claimed) = try sent(data)
        fakes.storage.failsReads = true
        XCTAssertThrowsError(try operation.complete(upload.mediaId, parts: claimed, organization: org))
        fakes.storage.failsReads = false
        XCTAssertNotNil(fakes.storage.multipart[upload.multipartId])
        XCTAssertEqual(fakes.media.rows[upload.mediaId]?.status, .pending)
    }

    func testACompletionWhileAnotherHoldsTheUploadIsLocked() throws {
        let data = pdf(1000)
        let (upload, claimed) = try sent(data)
        XCTAssertTrue(try fakes.uploads.lock(mediaId: upload.mediaId, owner: "another-request", seconds: 60))
        XCTAssertThrowsError(try operation.complete(upload.mediaId, parts: claimed, organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .locked)
        }
        XCTAssertNotNil(fakes.storage.multipart[upload.multipartId])
    }

    func testAbortRemovesEverything() throws {
        let data = pdf(9 * mib)
        let (upload, _) = try create(data.count)
        _ = try put(upload, 1, data[0..<(8 * mib)])
        try operation.abort(upload.mediaId, organization: org)
        XCTAssertNil(fakes.media.rows[upload.mediaId])
        XCTAssertNil(fakes.uploads.uploads[upload.mediaId])
        XCTAssertTrue(fakes.storage.multipart.isEmpty)
        XCTAssertThrowsError(try operation.abort(upload.mediaId, organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .notFound)
        }
    }

    func testAnotherOrganizationAndTheOtherProtocolFindNothing() throws {
        let (upload, _) = try create(1000)
        for call in [{ _ = try self.operation.parts(upload.mediaId, organization: self.other) },
                     { _ = try self.operation.sign(upload.mediaId, numbers: [1], organization: self.other) },
                     { _ = try self.operation.complete(upload.mediaId, parts: [.init(number: 1, etag: "x")], organization: self.other) },
                     { try self.operation.abort(upload.mediaId, organization: self.other) }] {
            XCTAssertThrowsError(try call()) { XCTAssertEqual(($0 as? ServiceError)?.code, .notFound) }
        }
        XCTAssertNotNil(fakes.uploads.uploads[upload.mediaId])
        let tus = try ResumableUploadOperation(environment: fakes.environment)
            .create(length: 1000, options: options(), metadata: "", organization: org).1
        XCTAssertThrowsError(try operation.parts(tus.mediaId, organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .notFound)
        }
        XCTAssertThrowsError(try operation.abort(tus.mediaId, organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .notFound)
        }
        // And tus sees only its own uploads: HEAD, PATCH and DELETE of a presigned one are 404.
        let resumable = ResumableUploadOperation(environment: fakes.environment)
        XCTAssertThrowsError(try resumable.current(upload.mediaId, organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .notFound)
        }
        XCTAssertThrowsError(try resumable.append(upload.mediaId, organization: org, offset: 0, length: nil,
                                                  body: BufferedBody(Array(pdf(1000))), checksum: nil)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .notFound)
        }
        XCTAssertThrowsError(try resumable.terminate(upload.mediaId, organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .notFound)
        }
        XCTAssertNotNil(fakes.uploads.uploads[upload.mediaId])
        XCTAssertNotNil(fakes.uploads.uploads[tus.mediaId])
    }

    func testCreationChecksTheSizeAndType() throws {
        XCTAssertThrowsError(try create((50 << 30) + 1)) { XCTAssertEqual(($0 as? ServiceError)?.code, .payloadTooLarge) }
        XCTAssertThrowsError(try create(0)) { XCTAssertEqual(($0 as? ServiceError)?.code, .unsupportedMediaType) }
        XCTAssertThrowsError(try create(100, filename: "page.html")) { XCTAssertEqual(($0 as? ServiceError)?.code, .unsupportedMediaType) }
        XCTAssertTrue(fakes.media.rows.isEmpty)
        XCTAssertTrue(fakes.storage.multipart.isEmpty)
    }
}
