@testable import MediaApp
import MediaCore
import MediaTestSupport
import XCTest

/// `complete` of a presigned upload against the in-memory ports.
final class PresignedUploadOperationTests: XCTestCase {
    private var fakes: InMemoryOperations!
    private let org = OperationFixtures.organization

    override func setUpWithError() throws { fakes = try InMemoryOperations(settings: ["UPLOAD_MAX_BYTES": "4096"]) }

    private var operation: PresignedUploadOperation { PresignedUploadOperation(environment: fakes.environment) }

    /// A pending media, with `staged` already PUT to its staging key.
    private func pending(staged: [UInt8]?) throws -> Media {
        let ticket = try operation.start(filename: "photo.png", declaredType: nil, declaredSize: nil, organization: org)
        XCTAssertEqual(ticket.headers.map(\.name), ["Content-Type", "If-None-Match"])
        if let staged {
            fakes.storage.place(staged, bucket: "media-private", key: ObjectKey.staging(orgSlug: "acme", mediaId: ticket.media.id))
        }
        return ticket.media
    }

    private func staging(_ media: Media) -> [String] {
        fakes.storage.keys(in: "media-private", under: ObjectKey.staging(orgSlug: "acme", mediaId: media.id))
    }

    func testCompleteWritesTheMediasOwnObjectsFromTheStagedBytes() throws {
        let media = try pending(staged: OperationFixtures.png)
        let done = try operation.complete(media, generateVariants: true, organization: org)
        XCTAssertEqual(done.status, .ready)
        XCTAssertEqual(fakes.storage.object("media", done.objectKey)?.bytes, OperationFixtures.png)
        XCTAssertEqual(fakes.storage.copies, 0, "a presigned PUT URL may still write the staged key: the inspected bytes are uploaded")
        XCTAssertEqual(fakes.storage.keys(in: "media", under: "acme/\(media.id)/").count, 6)
        XCTAssertEqual(staging(media), [], "the staged object is removed")
        XCTAssertEqual(fakes.jobs.locks, [:], "the lock is released")
    }

    func testNothingStagedYetIsAConflictThatChangesNothing() throws {
        let media = try pending(staged: nil)
        XCTAssertThrowsError(try operation.complete(media, generateVariants: false, organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .conflict)
        }
        XCTAssertEqual(fakes.media.rows[media.id]?.status, .pending)
    }

    func testALockHeldByAnotherCompleteIsAConflict() throws {
        let media = try pending(staged: OperationFixtures.png)
        fakes.jobs.holdLock(mediaId: media.id)
        XCTAssertThrowsError(try operation.complete(media, generateVariants: false, organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .conflict)
        }
        XCTAssertEqual(fakes.storage.writes, 0)
        XCTAssertEqual(staging(media).count, 1, "the staged bytes stay for the next try")
    }

    func testStagedBytesOverTheLimitRemoveTheMedia() throws {
        let media = try pending(staged: OperationFixtures.pdf + Array(repeating: 0x20, count: 5000))
        XCTAssertThrowsError(try operation.complete(media, generateVariants: false, organization: org)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .payloadTooLarge)
        }
        XCTAssertNil(fakes.media.rows[media.id])
        XCTAssertEqual(staging(media), [])
        XCTAssertEqual(fakes.storage.writes, 0)
    }

    func testStorageDownMidwayRemovesWhatWasWrittenAndKeepsTheStagedBytes() throws {
        let media = try pending(staged: OperationFixtures.png)
        fakes.storage.writesBeforeFailure = 2
        XCTAssertThrowsError(try operation.complete(media, generateVariants: true, organization: org))
        XCTAssertEqual(fakes.storage.keys(in: "media"), [])
        XCTAssertEqual(fakes.media.rows[media.id]?.status, .pending, "the client can complete again")
        XCTAssertEqual(staging(media).count, 1)
        XCTAssertEqual(fakes.jobs.locks, [:])
    }

    func testALostCommitRemovesTheObjects() throws {
        let media = try pending(staged: OperationFixtures.pdf)
        fakes.media.failsWrites = InMemoryMediaRepository.outage
        XCTAssertThrowsError(try operation.complete(media, generateVariants: false, organization: org))
        XCTAssertEqual(fakes.storage.keys(in: "media"), [])
        XCTAssertEqual(fakes.media.rows[media.id]?.status, .pending)
    }
}
