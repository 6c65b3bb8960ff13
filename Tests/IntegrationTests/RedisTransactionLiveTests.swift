import Foundation
import MediaApp
import MediaInfra
import XCTest

/// Against the live Redis of `scripts/test`: a transaction that Redis refuses while queuing
/// never leaves the connection inside MULTI, and lock replies other than OK or nil are errors.
final class RedisTransactionLiveTests: XCTestCase {
    private var redis: RedisConnection!
    private let prefix = "test:transaction:\(UUID().uuidString.lowercased()):"

    override func setUpWithError() throws {
        _ = try LiveDatabase.settings()
        redis = RedisConnection(settings: try AppConfig.load(from: ProcessInfo.processInfo.environment).redis)
    }

    override func tearDownWithError() throws {
        _ = try? redis.command(["DEL", prefix + "a", prefix + "b", prefix + "lock"])
        redis.close()
    }

    func testATransactionRunsAsOneAndReturnsEachReply() throws {
        let replies = try redis.transaction([["SET", prefix + "a", "1"], ["INCR", prefix + "a"], ["GET", prefix + "a"]])
        XCTAssertEqual(replies, [.status("OK"), .integer(2), .string("2")])
    }

    func testACommandRefusedWhileQueuingLeavesNothingAndTheConnectionUsable() throws {
        // A wrong argument count is refused at queue time, as -OOM is at maxmemory: EXECABORT.
        XCTAssertThrowsError(try redis.transaction([["SET", prefix + "a", "1"], ["INCR"], ["SET", prefix + "b", "2"]])) { error in
            guard case RedisError.reply(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("wrong number of arguments"), message)
        }
        XCTAssertEqual(try redis.command(["EXISTS", prefix + "a", prefix + "b"]), .integer(0), "nothing of it ran")
        // Not inside MULTI any more: a lock is taken for real, and a second one is refused.
        XCTAssertTrue(try redis.setIfAbsent(prefix + "lock", "me", ttlSeconds: 30))
        XCTAssertEqual(try redis.command(["GET", prefix + "lock"]), .string("me"))
        XCTAssertFalse(try redis.setIfAbsent(prefix + "lock", "other", ttlSeconds: 30))
    }

    func testALockReplyOtherThanOKIsAnErrorNotALock() throws {
        // A connection inside MULTI answers +QUEUED: that must never read as "taken".
        try redis.command(["MULTI"])
        XCTAssertThrowsError(try redis.setIfAbsent(prefix + "lock", "me", ttlSeconds: 30))
        try redis.command(["DISCARD"])
        XCTAssertEqual(try redis.command(["EXISTS", prefix + "lock"]), .integer(0))
    }
}
