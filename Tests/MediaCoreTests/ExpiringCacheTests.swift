import MediaCore
import XCTest

final class ExpiringCacheTests: XCTestCase {
    func testAnEntryLivesForItsLifetimeOnly() {
        var cache = ExpiringCache<Int>(lifetimeSeconds: 5, capacity: 10)
        cache.store(1, for: "a", now: 100)
        XCTAssertEqual(cache.value(for: "a", now: 100), 1)
        XCTAssertEqual(cache.value(for: "a", now: 104.9), 1)
        XCTAssertNil(cache.value(for: "a", now: 105), "expired at exactly its lifetime")
        XCTAssertNil(cache.value(for: "b", now: 100))
    }

    func testStoringAgainRenewsTheEntry() {
        var cache = ExpiringCache<String>(lifetimeSeconds: 5, capacity: 10)
        cache.store("old", for: "a", now: 0)
        cache.store("new", for: "a", now: 4)
        XCTAssertEqual(cache.value(for: "a", now: 8), "new")
    }

    func testAZeroLifetimeRemembersNothing() {
        var cache = ExpiringCache<Int>(lifetimeSeconds: 0, capacity: 10)
        cache.store(1, for: "a", now: 0)
        XCTAssertNil(cache.value(for: "a", now: 0))
        XCTAssertEqual(cache.count, 0)
    }

    func testAFullCacheDropsExpiredEntriesFirstAndNeverGrowsPastItsCapacity() {
        var cache = ExpiringCache<Int>(lifetimeSeconds: 10, capacity: 3)
        cache.store(1, for: "a", now: 0)
        cache.store(2, for: "b", now: 5)
        cache.store(3, for: "c", now: 6)
        cache.store(4, for: "d", now: 12)   // "a" has expired: only it goes
        XCTAssertEqual(cache.count, 3)
        XCTAssertNil(cache.value(for: "a", now: 12))
        XCTAssertEqual(cache.value(for: "b", now: 12), 2)
        for index in 0..<100 { cache.store(index, for: "flood-\(index)", now: 13) }
        XCTAssertLessThanOrEqual(cache.count, 3)
        XCTAssertEqual(cache.value(for: "flood-99", now: 13), 99)
    }

    func testExpiredEntriesAreSweptOncePerLifetimeNotOnlyWhenFull() {
        var cache = ExpiringCache<Int>(lifetimeSeconds: 10, capacity: 1_000)
        for index in 0..<100 { cache.store(index, for: "old-\(index)", now: 100) }
        cache.store(0, for: "a", now: 105)
        XCTAssertEqual(cache.count, 101, "nothing has expired yet")
        cache.store(0, for: "b", now: 111)
        XCTAssertEqual(cache.count, 2, "the expired hundred went at the next sweep; a and b stay")
    }
}
