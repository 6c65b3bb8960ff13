@testable import MediaApp
import MediaCore
import MediaTestSupport
import XCTest

/// Direct uploads against the in-memory ports: every failure leaves no row without bytes and
/// no bytes without a row.
final class UploadOperationTests: XCTestCase {
    private var fakes: InMemoryOperations!
    private let org = OperationFixtures.organization

    override func setUpWithError() throws { fakes = try InMemoryOperations() }

    private func upload(_ bytes: [UInt8] = OperationFixtures.png, variants: Bool = true) throws -> Media {
        try UploadOperation(environment: fakes.environment)
            .store(try OperationFixtures.staged(bytes), options: OperationFixtures.options(variants: variants), organization: org)
    }

    func testAnUploadStoresItsObjectsThenItsRow() throws {
        let media = try upload()
        XCTAssertEqual(media.status, .ready)
        XCTAssertEqual(media.variants.count, 5)
        XCTAssertEqual(fakes.storage.keys(in: "media", under: "acme/\(media.id)/").count, 6)
        XCTAssertEqual(fakes.media.rows[media.id]?.objectKey, "acme/\(media.id)/original.png")
        XCTAssertEqual(fakes.storage.object("media", media.objectKey)?.cacheControl, "public, max-age=31536000, immutable")
    }

    func testStorageDownAfterTheFirstPutLeavesNothing() throws {
        fakes.storage.writesBeforeFailure = 1
        XCTAssertThrowsError(try upload()) { XCTAssertEqual(($0 as? ContractError)?.serviceError.code, .unavailable, "\($0)") }
        XCTAssertEqual(fakes.storage.writes, 1, "one object was stored before the store went down")
        XCTAssertEqual(fakes.storage.keys(in: "media"), [], "and removed again")
        XCTAssertTrue(fakes.media.rows.isEmpty)
    }

    func testARowThatCannotBeWrittenTakesItsObjectsWithIt() throws {
        fakes.media.failsWrites = InMemoryMediaRepository.outage
        XCTAssertThrowsError(try upload()) { XCTAssertEqual(($0 as? ServiceError)?.code, .unavailable) }
        XCTAssertEqual(fakes.storage.writes, 6)
        XCTAssertEqual(fakes.storage.keys(in: "media"), [])
        XCTAssertTrue(fakes.media.rows.isEmpty)
    }

    func testAnUploadPastTheCommitWindowGivesUpAndRemovesItsObjects() throws {
        // The store takes longer than half the repair grace (3600 s) between the first PUT and the row.
        fakes.storage.afterEachWrite = { [fakes] in fakes!.now += 1801 }
        XCTAssertThrowsError(try upload(OperationFixtures.pdf)) {
            let error = $0 as? ServiceError
            XCTAssertEqual(error?.code, .unavailable)
            XCTAssertEqual(error?.details["dependency"], "storage")
        }
        XCTAssertEqual(fakes.storage.writes, 1)
        XCTAssertEqual(fakes.storage.keys(in: "media"), [])
        XCTAssertTrue(fakes.media.rows.isEmpty)
    }

    func testObjectsTheStoreCannotRemoveAreRecordedForTheRepairPass() throws {
        fakes.media.failsNextWrite = InMemoryMediaRepository.outage
        fakes.storage.failsRemoves = true
        XCTAssertThrowsError(try upload(OperationFixtures.pdf))
        let id = try XCTUnwrap(fakes.media.rows.keys.first)
        XCTAssertEqual(fakes.storage.keys(in: "media"), ["acme/\(id)/original.pdf"], "still there: the store refused the delete")
        XCTAssertTrue(fakes.media.deleting.contains(id), "recorded as an interrupted delete, which the repair pass finishes")
        XCTAssertEqual(fakes.media.rows[id]?.status, .failed)
    }

    func testACommitWhoseAnswerWasLostKeepsRowAndBytesTogether() throws {
        fakes.media.losesNextCommitAnswer = InMemoryMediaRepository.outage
        fakes.storage.failsRemoves = true
        XCTAssertThrowsError(try upload(OperationFixtures.pdf))
        let id = try XCTUnwrap(fakes.media.rows.keys.first)
        XCTAssertEqual(fakes.media.rows[id]?.status, .ready, "the row landed; the skeleton could not replace it")
        XCTAssertFalse(fakes.media.deleting.contains(id))
        XCTAssertEqual(fakes.storage.keys(in: "media"), ["acme/\(id)/original.pdf"])
    }

    func testRefusedBytesWriteNothing() throws {
        XCTAssertThrowsError(try upload(Array("<html><script>x</script></html>".utf8))) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .unsupportedMediaType)
        }
        XCTAssertEqual(fakes.storage.writes, 0)
    }
}
