import XCTest
@testable import MediaInfra

/// Which failed transactions are run again, after what pause, and which may have committed.
final class TransactionRetryPolicyTests: XCTestCase {
    private let policy = TransactionRetryPolicy(retries: 3, baseDelaySeconds: 0.01, maxDelaySeconds: 0.2)
    private func error(_ code: DatabaseError.Code) -> DatabaseError { DatabaseError(code: code, message: "test") }

    func testAbortedTransactionsAreRerunEvenFromCommit() {
        // Galera reports a certification failure as 1213 at COMMIT: nothing was applied.
        for code: DatabaseError.Code in [.deadlock, .lockWaitTimeout] {
            for atCommit in [false, true] {
                guard case .rerun = policy.decide(after: error(code), attempt: 1, atCommit: atCommit, random: 0.5) else {
                    return XCTFail("\(code) atCommit=\(atCommit) must be rerun")
                }
            }
        }
    }

    func testAConnectionLostBeforeCommitIsRerunOnAnotherConnection() {
        for code: DatabaseError.Code in [.serverGone, .serverLost, .connectionKilled, .connectionError, .hostConnectionError, .nodeNotReady] {
            guard case .rerun = policy.decide(after: error(code), attempt: 1, atCommit: false, random: 0.5) else {
                return XCTFail("\(code)")
            }
        }
    }

    func testAConnectionLostDuringCommitIsNeverRerun() {
        for code: DatabaseError.Code in [.serverGone, .serverLost, .connectionKilled, .serverShutdown, .networkReadError] {
            XCTAssertEqual(policy.decide(after: error(code), attempt: 1, atCommit: true, random: 0.5), .outcomeUnknown, "\(code)")
        }
        // A node that refused COMMIT without running it (Galera: not ready) applied nothing.
        guard case .rerun = policy.decide(after: error(.nodeNotReady), attempt: 1, atCommit: true, random: 0.5) else {
            return XCTFail("1047 at COMMIT is a refusal")
        }
    }

    func testOtherErrorsAreNotRerun() {
        for code: DatabaseError.Code in [.duplicateEntry, .commandsOutOfSync, .statementNotPrepared, DatabaseError.Code(rawValue: 1146)] {
            XCTAssertEqual(policy.decide(after: error(code), attempt: 1, atCommit: false, random: 0.5), .fail, "\(code)")
        }
        struct NotTheDatabase: Error {}
        XCTAssertEqual(policy.decide(after: NotTheDatabase(), attempt: 1, atCommit: false, random: 0.5), .fail)
    }

    func testRerunsAreBoundedAndTheirPausesGrowWithJitter() {
        XCTAssertEqual(policy.decide(after: error(.deadlock), attempt: 4, atCommit: false, random: 0.5), .fail, "3 reruns, then the error")
        XCTAssertEqual(policy.decide(after: error(.deadlock), attempt: 1, atCommit: false, random: 0.5), .rerun(afterSeconds: 0.01))
        XCTAssertEqual(policy.decide(after: error(.deadlock), attempt: 3, atCommit: false, random: 0.5), .rerun(afterSeconds: 0.04))
        XCTAssertEqual(policy.decide(after: error(.deadlock), attempt: 1, atCommit: false, random: 0), .rerun(afterSeconds: 0.005))
        let long = TransactionRetryPolicy(retries: 20, baseDelaySeconds: 0.01, maxDelaySeconds: 0.2)
        XCTAssertEqual(long.decide(after: error(.deadlock), attempt: 15, atCommit: false, random: 0.5), .rerun(afterSeconds: 0.2), "capped")
        XCTAssertEqual(TransactionRetryPolicy(retries: 0).decide(after: error(.deadlock), attempt: 1, atCommit: false, random: 0.5), .fail)
    }
}
