import MediaCore
import XCTest
@testable import MediaInfra

/// Reading Sentinel's and ROLE's answers, and which Redis failures send a command again.
final class SentinelReplyTests: XCTestCase {
    func testThePrimaryAddressSentinelNames() {
        XCTAssertEqual(Sentinel.primaryAddress(.array([.string("10.0.0.5"), .string("6380")])),
                       NetworkAddress(host: "10.0.0.5", port: 6380))
        XCTAssertNil(Sentinel.primaryAddress(.null), "a name Sentinel does not monitor")
        XCTAssertNil(Sentinel.primaryAddress(.array([.string("10.0.0.5")])))
        XCTAssertNil(Sentinel.primaryAddress(.array([.string("10.0.0.5"), .string("port")])))
        XCTAssertNil(Sentinel.primaryAddress(.array([.string(""), .string("6379")])))
    }

    func testOnlyAPrimarySaysMaster() {
        XCTAssertTrue(Sentinel.isPrimary(role: .array([.string("master"), .integer(3129659), .array([])])))
        XCTAssertFalse(Sentinel.isPrimary(role: .array([.string("slave"), .string("127.0.0.1"), .integer(9753),
                                                        .string("connected"), .integer(3167038)])))
        XCTAssertFalse(Sentinel.isPrimary(role: .array([.string("sentinel"), .array([.string("media")])])))
        XCTAssertFalse(Sentinel.isPrimary(role: .status("OK")))
    }

    func testADemotedOrOrphanedServerMeansAskingAgain() {
        XCTAssertTrue(RedisError.reply("READONLY You can't write against a read only replica.").meansPrimaryMoved)
        XCTAssertTrue(RedisError.reply("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.").meansPrimaryMoved)
        XCTAssertFalse(RedisError.reply("NOREPLICAS Not enough good replicas to write.").meansPrimaryMoved)
        XCTAssertFalse(RedisError.reply("WRONGTYPE Operation against a key holding the wrong kind of value").meansPrimaryMoved)
        XCTAssertFalse(RedisError.connection("Connection refused").meansPrimaryMoved)
    }

    func testWhatIsSentAgain() {
        XCTAssertTrue(RedisConnection.sendAgain(after: .reply("READONLY x"), wasOpen: false))
        XCTAssertTrue(RedisConnection.sendAgain(after: .connection("reset"), wasOpen: true), "a stale connection")
        XCTAssertFalse(RedisConnection.sendAgain(after: .connection("refused"), wasOpen: false), "a fresh one failing is an outage")
        XCTAssertFalse(RedisConnection.sendAgain(after: .reply("ERR syntax"), wasOpen: true))
        XCTAssertFalse(RedisConnection.sendAgain(after: .notReplicated(acknowledged: 0, wanted: 1), wasOpen: true))
    }

    func testAnUnconfirmedWriteIs503WithItsOutcomeUnknown() {
        let error = RedisError.notReplicated(acknowledged: 0, wanted: 1)
        XCTAssertEqual(error.serviceError.code, .unavailable)
        XCTAssertEqual(error.serviceError.details["dependency"], "redis")
        XCTAssertTrue(error.outcomeUnknown)
        XCTAssertFalse(RedisError.connection("x").outcomeUnknown)
    }
}
