import Foundation
import MediaApp
import MediaInfra
import XCTest

/// Against the live MariaDB of `scripts/test`: a connection lost in the middle of a
/// transaction (here: killed from another session, as a database restart does) must not
/// leave the thread's connection dead for good.
final class DatabaseReconnectLiveTests: XCTestCase {
    /// Two sessions: the one under test, and one to kill it from.
    private func victimAndKiller() throws -> (victim: DatabaseConnection, killer: DatabaseConnection) {
        let settings = try LiveDatabase.settings()
        return (DatabaseConnection(settings: settings), DatabaseConnection(settings: settings))
    }

    private func connectionId(_ connection: DatabaseConnection) throws -> Int {
        try XCTUnwrap(connection.queryOne("SELECT CONNECTION_ID() AS id")?.int("id"))
    }

    func testAConnectionKilledBeforeCommitIsReopenedForTheNextStatement() throws {
        let (victim, killer) = try victimAndKiller()
        defer { victim.close(); killer.close() }
        let first = try connectionId(victim)
        XCTAssertThrowsError(try victim.transaction {
            _ = try victim.query("SELECT 1")
            try killer.execute("KILL CONNECTION \(first)")
        }, "the COMMIT of a killed session fails")
        let second = try connectionId(victim)
        XCTAssertNotEqual(first, second, "a new connection was opened")
        // And transactions work again on it.
        XCTAssertEqual(try victim.transaction { try victim.queryOne("SELECT 2 AS two")?.int("two") }, 2)
    }

    func testAConnectionKilledInsideTheBodyIsReopenedToo() throws {
        let (victim, killer) = try victimAndKiller()
        defer { victim.close(); killer.close() }
        let first = try connectionId(victim)
        XCTAssertThrowsError(try victim.transaction {
            try killer.execute("KILL CONNECTION \(first)")
            _ = try victim.query("SELECT 1")
        })
        XCTAssertNotEqual(try connectionId(victim), first)
    }
}
