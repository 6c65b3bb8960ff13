import Foundation
import MediaCore
import MediaInfra
import XCTest

/// Against the live MariaDB of `scripts/test`, reached over TCP behind a node that is down:
/// DB_HOSTS moves a connection on to the next node, and a transaction chosen as a deadlock
/// victim (as Galera reports a certification conflict) is run again whole.
final class DatabaseFailoverLiveTests: XCTestCase {
    /// DB_HOSTS = a port where nothing listens, then the stack's MariaDB.
    private func downThenLive() throws -> DatabaseSettings {
        var settings = try LiveDatabase.settings()
        let down = try LiveProcesses.freePorts(1)[0]
        settings.socket = nil
        settings.hosts = [NetworkAddress(host: "127.0.0.1", port: down), NetworkAddress(host: "127.0.0.1", port: settings.port)]
        return settings
    }

    private func connectionId(_ connection: DatabaseConnection) throws -> Int {
        try XCTUnwrap(connection.queryOne("SELECT CONNECTION_ID() AS id")?.int("id"))
    }

    func testAConnectionGoesToTheNextNodeWhenOneIsDown() throws {
        let settings = try downThenLive()
        let connection = DatabaseConnection(settings: settings)
        let killer = DatabaseConnection(settings: try LiveDatabase.settings())
        defer { connection.close(); killer.close() }

        let first = try connectionId(connection)
        XCTAssertEqual(connection.connectedNode, 1, "the first node refused: the second one answers")

        // The node ends the connection (as a node leaving the cluster does): the read is sent
        // again on a new connection, which tries the next node (down) and then wraps around.
        try killer.execute("KILL CONNECTION \(first)")
        let second = try connectionId(connection)
        XCTAssertNotEqual(second, first)
        XCTAssertEqual(connection.connectedNode, 1)
    }

    func testADeadlockVictimIsRunAgainWhole() throws {
        let settings = try LiveDatabase.settings()
        let table = "ha_deadlock_\(UUID().uuidString.prefix(8).lowercased())"
        let victim = DatabaseConnection(settings: settings)
        let other = Shared(DatabaseConnection(settings: settings))
        defer { victim.close(); other.connection.close() }
        try victim.executeUnprepared("CREATE TABLE \(table) (id INT PRIMARY KEY, owner VARCHAR(8) NOT NULL) ENGINE=InnoDB")
        defer { try? victim.executeUnprepared("DROP TABLE \(table)") }
        try victim.executeUnprepared("INSERT INTO \(table) SELECT seq, 'none' FROM seq_1_to_20")

        // The other transaction holds rows 2..20: heavier, so InnoDB picks the victim's
        // (one row) to roll back when the two wait for each other.
        try other.connection.execute("START TRANSACTION")
        try other.connection.execute("UPDATE \(table) SET owner = 'other' WHERE id >= 2")

        var retried: [DatabaseError.Code] = []
        victim.transactionRetried = { retried.append($0.code) }
        let otherDone = DispatchSemaphore(value: 0)
        let otherError = Shared<Error?>(nil)
        var runs = 0
        try victim.transaction {
            runs += 1
            try victim.execute("UPDATE \(table) SET owner = 'victim' WHERE id = 1")
            if runs == 1 {
                // Row 1 is the victim's now: the other transaction waits for it, then commits.
                DispatchQueue.global().async {
                    do {
                        try other.connection.execute("UPDATE \(table) SET owner = 'other' WHERE id = 1")
                        try other.connection.execute("COMMIT")
                    } catch {
                        otherError.connection = error
                    }
                    otherDone.signal()
                }
            }
            // Row 2 is the other's: a cycle, which InnoDB breaks by rolling this one back.
            try victim.execute("UPDATE \(table) SET owner = 'victim' WHERE id = 2")
        }
        XCTAssertEqual(otherDone.wait(timeout: .now() + 30), .success, "the other transaction finished")
        XCTAssertNil(otherError.connection)
        XCTAssertEqual(runs, 2, "run once more after the deadlock")
        XCTAssertEqual(retried, [.deadlock])
        let owners = try victim.query("SELECT id, owner FROM \(table) WHERE id <= 3 ORDER BY id").map { $0["owner"] }
        XCTAssertEqual(owners, ["victim", "victim", "other"], "the rerun ran after the other committed, and only once")
    }
}

/// Hands a connection (or a result) to the one other thread of a test, which uses it only
/// while the test thread waits for it.
private final class Shared<Value>: @unchecked Sendable {
    var connection: Value
    init(_ value: Value) { connection = value }
}
