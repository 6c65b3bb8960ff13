import MediaCore
import XCTest

final class MediaListQueryTests: XCTestCase {
    private func parse(_ values: [String: String]) throws -> MediaListQuery {
        try MediaListQuery.parse { values[$0] }
    }

    func testDefaults() throws {
        let query = try parse([:])
        XCTAssertEqual(query.limit, 20)
        XCTAssertEqual(query.offset, 0)
        XCTAssertEqual(query.sort, .createdAt)
        XCTAssertEqual(query.order, .desc)
        XCTAssertNil(query.search)
        XCTAssertNil(query.typePrefix)
    }

    func testRangesAreEnforcedWithTheFieldNamed() {
        for (name, value) in [("limit", "0"), ("limit", "101"), ("limit", "-1"), ("limit", "abc"), ("limit", "99999999999999999999"),
                              ("offset", "-1"), ("offset", "x"), ("sort", "id"), ("order", "up"), ("type", "image/*;x")] {
            XCTAssertThrowsError(try parse([name: value]), "\(name)=\(value)") { error in
                XCTAssertEqual((error as? ServiceError)?.code, .validationError)
                XCTAssertEqual((error as? ServiceError)?.details["field"], name)
            }
        }
    }

    func testAcceptedValues() throws {
        let query = try parse(["limit": "100", "offset": "40", "sort": "size", "order": "asc", "type": "Image/", "search": "a%b"])
        XCTAssertEqual(query.limit, 100)
        XCTAssertEqual(query.offset, 40)
        XCTAssertEqual(query.sort, .size)
        XCTAssertEqual(query.order, .asc)
        XCTAssertEqual(query.typePrefix, "image/")
        XCTAssertEqual(query.search, "a%b")
    }

    func testLikePatternEscapesWildcards() {
        XCTAssertEqual(MediaListQuery.likePattern(containing: "50%_off\\x"), "%50\\%\\_off\\\\x%")
        XCTAssertEqual(MediaListQuery.likePattern(containing: "it's"), "%it's%")
    }

    func testAPageThatIsNotFullTellsTheTotal() {
        XCTAssertEqual(MediaListQuery.totalFromPage(count: 7, limit: 20, offset: 0), 7)
        XCTAssertEqual(MediaListQuery.totalFromPage(count: 7, limit: 20, offset: 40), 47)
        XCTAssertEqual(MediaListQuery.totalFromPage(count: 0, limit: 20, offset: 0), 0)
        XCTAssertNil(MediaListQuery.totalFromPage(count: 20, limit: 20, offset: 0), "a full page may have more after it")
        XCTAssertNil(MediaListQuery.totalFromPage(count: 0, limit: 20, offset: 60), "the offset may lie past the end")
    }

    func testOnlyLargeTotalsAreRemembered() {
        XCTAssertFalse(MediaListQuery.remembersTotal(9_999))
        XCTAssertTrue(MediaListQuery.remembersTotal(10_000))
        XCTAssertLessThanOrEqual(MediaListQuery.rememberedTotalSeconds, 30, "a remembered total lags writes by at most this")
    }

    func testCacheKeysTellEveryDistinctQueryApart() throws {
        func query(_ parameters: [String: String]) throws -> MediaListQuery { try MediaListQuery.parse { parameters[$0] } }
        let queries = try [
            query([:]), query(["limit": "21"]), query(["offset": "20"]), query(["sort": "filename"]), query(["order": "asc"]),
            query(["type": "image/"]), query(["search": "image/"]),
            // Free texts that would read alike if they were simply joined with separators:
            query(["type": "image/a", "search": "x"]), query(["search": "5:x|-"]), query(["search": "-|5:x"]),
            query(["search": "a|b"]), query(["search": "a", "type": "b"]),
        ]
        XCTAssertEqual(Set(queries.map(\.cacheKey)).count, queries.count)
        XCTAssertEqual(try query(["limit": "20", "order": "desc"]).cacheKey, try query([:]).cacheKey, "defaults spelled out are the same query")
    }
}
