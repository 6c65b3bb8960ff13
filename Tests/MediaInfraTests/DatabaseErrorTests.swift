import MediaCore
import XCTest
@testable import MediaInfra

/// How a MariaDB error number is classified: what is retried on a new connection, what is a
/// 503 outage, and what is our own bug (500, never retried).
final class DatabaseErrorTests: XCTestCase {
    private func error(_ code: DatabaseError.Code) -> DatabaseError { DatabaseError(code: code, message: "test") }

    func testNamedCodesAreTheHeadersNumbers() {
        // The numbers errmsg.h and mysqld_error.h give; a wrong header mapping would move them.
        let expected: [(DatabaseError.Code, UInt32)] = [
            (.connectionError, 2002), (.hostConnectionError, 2003), (.serverGone, 2006), (.serverLost, 2013),
            (.commandsOutOfSync, 2014), (.malformedPacket, 2027), (.statementNotPrepared, 2030),
            (.tooManyConnections, 1040), (.serverShutdown, 1053), (.duplicateEntry, 1062),
            (.lockWaitTimeout, 1205), (.deadlock, 1213), (.connectionKilled, 1927), (.nodeNotReady, 1047), (.unknownSystemVariable, 1193),
        ]
        for (code, number) in expected { XCTAssertEqual(code.rawValue, number, "\(code)") }
    }

    func testLostConnectionsAreOutagesAndRetried() {
        for code: DatabaseError.Code in [.serverGone, .serverLost, .connectionError, .hostConnectionError,
                                         .serverShutdown, .connectionKilled, .tooManyConnections, .nodeNotReady] {
            XCTAssertTrue(error(code).isConnectionFailure, "\(code)")
            XCTAssertFalse(error(code).poisonsConnection, "\(code)")
            XCTAssertEqual(error(code).serviceError, .unavailable("database"), "\(code)")
        }
    }

    func testClientMisuseIsNeitherRetriedNorAnOutage() {
        // All in the client library's 2000-2999 range, which once meant "connection lost".
        for code: DatabaseError.Code in [.commandsOutOfSync, .malformedPacket, .statementNotPrepared,
                                         .parametersNotBound, .outOfMemory, DatabaseError.Code(rawValue: 2999)] {
            XCTAssertFalse(error(code).isConnectionFailure, "\(code)")
            XCTAssertEqual(error(code).serviceError.code, .internalError, "\(code)")
        }
        XCTAssertTrue(error(.commandsOutOfSync).poisonsConnection)
        XCTAssertFalse(error(.statementNotPrepared).poisonsConnection)
    }

    func testStatementConflicts() {
        XCTAssertTrue(error(.deadlock).isDeadlock)
        XCTAssertFalse(error(.lockWaitTimeout).isDeadlock)
        XCTAssertTrue(error(.duplicateEntry).isDuplicateKey)
        for code: DatabaseError.Code in [.deadlock, .lockWaitTimeout, .duplicateEntry] {
            XCTAssertFalse(error(code).isConnectionFailure, "\(code)")
            XCTAssertEqual(error(code).serviceError.code, .internalError, "\(code)")
        }
    }

    func testAnyNumberIsACodeAndShowsInTheDescription() {
        let unknown = DatabaseError(code: 4242, message: "something new")
        XCTAssertEqual(unknown.code, DatabaseError.Code(rawValue: 4242))
        XCTAssertFalse(unknown.isConnectionFailure)
        XCTAssertEqual(unknown.description, "MariaDB error 4242: something new")
    }

    func testRefusalsAreTheFailuresWhereNothingRan() {
        for code: DatabaseError.Code in [.connectionError, .hostConnectionError, .unknownHost, .tooManyConnections, .nodeNotReady] {
            XCTAssertTrue(error(code).isRefusal, "\(code)")
        }
        for code: DatabaseError.Code in [.serverGone, .serverLost, .connectionKilled, .serverShutdown, .deadlock] {
            XCTAssertFalse(error(code).isRefusal, "\(code): the statement may have run")
        }
        XCTAssertTrue(error(.deadlock).abortedTransaction)
        XCTAssertTrue(error(.lockWaitTimeout).abortedTransaction)
        XCTAssertFalse(error(.duplicateEntry).abortedTransaction)
    }
}
