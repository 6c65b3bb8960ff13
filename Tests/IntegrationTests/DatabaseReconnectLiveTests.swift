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
        }, "the COMMIT of a killed session fails") { error in
            // From the client's side the COMMIT was lost in flight: it is not run again.
            XCTAssertEqual((error as? DatabaseError)?.outcomeUnknown, true, "\(error)")
        }
        let second = try connectionId(victim)
        XCTAssertNotEqual(first, second, "a new connection was opened")
        // And transactions work again on it.
        XCTAssertEqual(try victim.transaction { try victim.queryOne("SELECT 2 AS two")?.int("two") }, 2)
    }

    func testATransactionWhoseConnectionDiesBeforeCommitIsRunAgainOnANewOne() throws {
        let (victim, killer) = try victimAndKiller()
        defer { victim.close(); killer.close() }
        let first = try connectionId(victim)
        var runs = 0
        let seven = try victim.transaction {
            runs += 1
            if runs == 1 { try killer.execute("KILL CONNECTION \(first)") }
            return try victim.queryOne("SELECT 7 AS seven")?.int("seven")
        }
        XCTAssertEqual(seven, 7)
        XCTAssertEqual(runs, 2, "nothing of the first run was committed: it was run again")
        XCTAssertNotEqual(try connectionId(victim), first)
    }

    func testAWriteLostInFlightIsNeverSentTwiceAndAnIdleConnectionIsCheckedFirst() throws {
        let (victim, killer) = try victimAndKiller()
        defer { victim.close(); killer.close() }
        let table = "ha_once_\(UUID().uuidString.prefix(8).lowercased())"
        try victim.executeUnprepared("CREATE TABLE \(table) (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(8) NOT NULL)")
        defer { try? killer.executeUnprepared("DROP TABLE \(table)") }
        func rows() throws -> Int? { try killer.queryOne("SELECT COUNT(*) AS n FROM \(table)")?.int("n") }

        // No check before the write: it goes out on the dead connection, and is not resent.
        victim.idleBeforePingSeconds = .infinity
        try killer.execute("KILL CONNECTION \(try connectionId(victim))")
        XCTAssertThrowsError(try victim.execute("INSERT INTO \(table) (note) VALUES ('once')")) { error in
            XCTAssertEqual((error as? DatabaseError)?.outcomeUnknown, true, "\(error)")
        }
        XCTAssertEqual(try rows(), 0, "not sent again on a new connection")

        // Checked before the write (as after a pause): the dead connection is found first.
        victim.idleBeforePingSeconds = 0
        try killer.execute("KILL CONNECTION \(try connectionId(victim))")
        try victim.execute("INSERT INTO \(table) (note) VALUES ('once')")
        XCTAssertEqual(try rows(), 1)
    }
}
