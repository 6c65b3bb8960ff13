import MediaCore
import MediaHTTP
import XCTest

final class RequestTests: XCTestCase {
    func testQueryDecodingHandlesPlusPercentAndDuplicates() {
        let query = QueryParameters(encoded: "search=a+b%25c&limit=5&limit=6&flag&empty=")
        XCTAssertEqual(query["search"], "a b%c")
        XCTAssertEqual(query["limit"], "5")
        XCTAssertEqual(query.values("limit"), ["5", "6"])
        XCTAssertEqual(query["flag"], "")
        XCTAssertEqual(query["empty"], "")
        XCTAssertNil(query["missing"])
    }

    func testMalformedPercentEscapesAreKept() {
        XCTAssertEqual(PercentEncoding.decode("100%"), "100%")
        XCTAssertEqual(PercentEncoding.decode("%zz%4"), "%zz%4")
        XCTAssertEqual(PercentEncoding.decode("%C3%A9"), "é")
    }

    func testHeadersAreCaseInsensitive() {
        var headers = HTTPHeaders([("Content-Type", "text/plain")])
        XCTAssertEqual(headers["content-type"], "text/plain")
        headers.set("CONTENT-TYPE", "application/json")
        XCTAssertEqual(headers.fields.count, 1)
        XCTAssertEqual(headers["Content-Type"], "application/json")
    }

    func testURISplitsPathAndQuery() {
        let request = Request(method: "GET", uri: "/api/v1/media/list?limit=3")
        XCTAssertEqual(request.path, "/api/v1/media/list")
        XCTAssertEqual(request.query["limit"], "3")
    }

    func testBodyLimitIsEnforcedWhileReading() throws {
        let body = BufferedBody(Array(repeating: 7, count: 200_000))
        XCTAssertThrowsError(try body.readAll(limit: 100_000)) { error in
            XCTAssertEqual((error as? ServiceError)?.code, .payloadTooLarge)
        }
        XCTAssertEqual(try BufferedBody("hello").readAll(limit: 5), Array("hello".utf8))
    }

    func testRequestIdAcceptance() {
        XCTAssertTrue(RequestID.isAcceptable("abc-123_x.y"))
        XCTAssertTrue(RequestID.isAcceptable(String(repeating: "a", count: 128)))
        XCTAssertFalse(RequestID.isAcceptable(String(repeating: "a", count: 129)))
        XCTAssertFalse(RequestID.isAcceptable(""))
        XCTAssertFalse(RequestID.isAcceptable("has space"))
        XCTAssertFalse(RequestID.isAcceptable("semi;colon"))
        XCTAssertFalse(RequestID.isAcceptable("new\nline"))
    }

    func testErrorEnvelopeShapeAndHeaders() throws {
        let error = ServiceError(.methodNotAllowed, "nope", details: ["allow": "GET, PATCH"])
        let response = error.response(requestId: "r1")
        XCTAssertEqual(response.status, 405)
        XCTAssertEqual(response.headers["allow"], "GET, PATCH")
        let body = try JSONParser.parse(response.bodyBytes ?? [])
        XCTAssertEqual(body["requestId"], "r1")
        XCTAssertEqual(body["error"]?["code"], "method_not_allowed")
        XCTAssertEqual(body["error"]?["message"], "nope")
        XCTAssertEqual(body["error"]?["details"]?["allow"], "GET, PATCH")
    }

    func testHeaderNamesMatchWithoutRegardToCase() {
        var headers = HTTPHeaders([("Content-Type", "image/png"), ("X-API-Key", "k")])
        XCTAssertEqual(headers["content-type"], "image/png")
        XCTAssertEqual(headers["x-api-key"], "k")
        XCTAssertNil(headers["x-api-keys"])
        headers.set("CONTENT-TYPE", "image/jpeg")
        XCTAssertEqual(headers.fields.filter { $0.name.lowercased() == "content-type" }.map(\.value), ["image/jpeg"])
    }
}
