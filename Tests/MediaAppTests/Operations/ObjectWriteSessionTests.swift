@testable import MediaApp
import MediaCore
import MediaTestSupport
import XCTest

/// The session's commit window counts from the first write only.
final class ObjectWriteSessionTests: XCTestCase {
    private var fakes: InMemoryOperations!

    override func setUpWithError() throws { fakes = try InMemoryOperations() }

    private func write(waitBefore: Double, waitAfter: Double) throws -> Int {
        try ObjectWriteSession.run(fakes.environment, bucket: "media", isPrivate: false) { session in
            fakes.now += waitBefore   // a decode slot being waited for
            try session.put("acme/x/original.bin", .bytes([1]), contentType: "application/octet-stream")
            fakes.now += waitAfter
            return .committed(try session.commit { 1 })
        }
    }

    func testTimeBeforeTheFirstWriteIsFree() throws {
        XCTAssertEqual(try write(waitBefore: 10_000, waitAfter: 1), 1)
        XCTAssertEqual(fakes.storage.keys(in: "media"), ["acme/x/original.bin"])
    }

    func testTimeAfterTheFirstWriteCountsAndTheWritesAreRemoved() throws {
        XCTAssertThrowsError(try write(waitBefore: 0, waitAfter: 1800)) {
            XCTAssertEqual(($0 as? ServiceError)?.details["dependency"], "storage")
        }
        XCTAssertEqual(fakes.storage.keys(in: "media"), [])
    }

    /// A commit cut off in flight (the database connection lost during COMMIT).
    private struct CommitLostInFlight: OutcomeUnknownError {
        var outcomeUnknown: Bool { true }
    }

    func testACommitWhoseOutcomeIsUnknownKeepsTheObjects() throws {
        XCTAssertThrowsError(try ObjectWriteSession.run(fakes.environment, bucket: "media", isPrivate: false) { session -> ObjectWriteSession.Outcome<Int> in
            try session.put("acme/x/original.bin", .bytes([1]), contentType: "application/octet-stream")
            return .committed(try session.commit { throw CommitLostInFlight() })
        })
        XCTAssertEqual(fakes.storage.keys(in: "media"), ["acme/x/original.bin"],
                       "the row may exist: its object stays for the repair pass to judge")
    }
}
