@testable import MediaApp
import MediaCore
import MediaTestSupport
import XCTest

/// Privacy moves, job scheduling and deletes against the in-memory ports.
final class PrivacyAndQueueTests: XCTestCase {
    private var fakes: InMemoryOperations!
    private let org = OperationFixtures.organization

    override func setUpWithError() throws { fakes = try InMemoryOperations() }

    func testAPrivacyMoveCopiesCommitsThenRemovesTheOldObjects() throws {
        let media = try OperationFixtures.uploaded(fakes)
        let moved = try PrivacyOperation(environment: fakes.environment).move(media, toPrivate: true) { $0.alt = "hidden" }
        XCTAssertEqual(moved.bucket, "media-private")
        XCTAssertEqual(fakes.storage.keys(in: "media"), [])
        XCTAssertEqual(fakes.storage.keys(in: "media-private").count, 6)
        XCTAssertEqual(fakes.storage.object("media-private", media.objectKey)?.cacheControl, "private, max-age=31536000, immutable")
        XCTAssertEqual(fakes.media.rows[media.id]?.alt, "hidden")
    }

    func testAPrivacyMoveCutShortRemovesItsCopiesAndKeepsTheRow() throws {
        let media = try OperationFixtures.uploaded(fakes)
        fakes.storage.writesBeforeFailure = fakes.storage.writes + 3
        XCTAssertThrowsError(try PrivacyOperation(environment: fakes.environment).move(media, toPrivate: true) { _ in })
        XCTAssertEqual(fakes.storage.keys(in: "media-private"), [])
        XCTAssertEqual(fakes.storage.keys(in: "media").count, 6)
        XCTAssertEqual(fakes.media.rows[media.id]?.bucket, "media")
        XCTAssertEqual(fakes.jobs.locks, [:])
    }

    func testAPrivacyMoveWaitsForTheMediasLock() throws {
        let media = try OperationFixtures.uploaded(fakes)
        fakes.jobs.holdLock(mediaId: media.id)
        XCTAssertThrowsError(try PrivacyOperation(environment: fakes.environment).move(media, toPrivate: true) { _ in }) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .conflict)
        }
        XCTAssertEqual(fakes.storage.keys(in: "media-private"), [])
    }

    func testAJobTheQueueRefusesLeavesTheMediaAsItWas() throws {
        let media = try OperationFixtures.uploaded(fakes)
        fakes.jobs.refusesJobs = InMemoryJobQueue.outage
        XCTAssertThrowsError(try JobScheduler(environment: fakes.environment).enqueue(.variants, media: media)) {
            XCTAssertEqual(($0 as? ServiceError)?.details["dependency"], "redis")
        }
        XCTAssertEqual(fakes.media.rows[media.id]?.status, .ready)
        XCTAssertEqual(fakes.jobs.locks, [:], "the lock taken for the job is released")
    }

    func testAJobNoReplicaConfirmedKeepsItsLockAndStatus() throws {
        struct NotReplicated: OutcomeUnknownError, ContractError {
            var outcomeUnknown: Bool { true }
            var serviceError: ServiceError { .unavailable("redis") }
        }
        let media = try OperationFixtures.uploaded(fakes)
        fakes.jobs.refusesJobs = NotReplicated()
        XCTAssertThrowsError(try JobScheduler(environment: fakes.environment).enqueue(.variants, media: media)) {
            XCTAssertEqual(($0 as? ContractError)?.serviceError.code, .unavailable)
        }
        // The job may be in the queue and run: it ends the status and frees the lock itself.
        XCTAssertEqual(fakes.media.rows[media.id]?.status, .processing)
        XCTAssertEqual(fakes.jobs.locks.count, 1)
    }

    func testAJobOnALockedMediaIsAConflict() throws {
        let media = try OperationFixtures.uploaded(fakes)
        fakes.jobs.holdLock(mediaId: media.id)
        XCTAssertThrowsError(try JobScheduler(environment: fakes.environment).enqueue(.crop, media: media)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .conflict)
        }
        XCTAssertTrue(fakes.jobs.jobs.isEmpty)
    }

    func testADeleteCutShortIsFinishedByRepeatingIt() throws {
        let media = try OperationFixtures.uploaded(fakes)
        fakes.storage.failsRemoves = true
        XCTAssertThrowsError(try DeleteOperation(environment: fakes.environment).delete(media, organization: org))
        XCTAssertTrue(fakes.media.deleting.contains(media.id), "hidden from reads while its objects are removed")
        XCTAssertNil(try fakes.media.find(id: media.id, in: org))
        fakes.storage.failsRemoves = false
        XCTAssertEqual(try DeleteOperation(environment: fakes.environment).delete(media, organization: org), 6)
        XCTAssertNil(fakes.media.rows[media.id])
        XCTAssertEqual(fakes.storage.keys(in: "media"), [])
    }
}
