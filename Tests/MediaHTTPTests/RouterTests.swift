import MediaHTTP
import XCTest

final class RouterTests: XCTestCase {
    private func makeRouter() -> Router<String> {
        var router = Router<String>()
        router.add("GET", "/api/v1/media/list", "list")
        router.add("GET", "/api/v1/media/{id}", "get")
        router.add("PATCH", "/api/v1/media/{id}", "patch")
        router.add("GET", "/api/v1/media/{id}/variants", "variants")
        router.add("DELETE", "/api/v1/media/", "delete")
        router.add("GET", "/api/v1/media/download/{bucket}/{objectKey...}", "download")
        router.add("GET", "/api/v1/media/variant/{bucket}/{variantName}/{folder...}", "variant")
        return router
    }

    private func handler(_ method: String, _ path: String) -> (String, [String: String])? {
        if case .found(let route, let parameters) = makeRouter().match(method: method, path: path) {
            return (route.handler, parameters)
        }
        return nil
    }

    func testLiteralBeatsParameter() {
        XCTAssertEqual(handler("GET", "/api/v1/media/list")?.0, "list")
        XCTAssertEqual(handler("GET", "/api/v1/media/abc")?.0, "get")
        XCTAssertEqual(handler("GET", "/api/v1/media/abc")?.1, ["id": "abc"])
    }

    func testParametersArePercentDecoded() {
        XCTAssertEqual(handler("GET", "/api/v1/media/a%20b/variants")?.1, ["id": "a b"])
    }

    func testTrailingWildcardTakesTheRest() {
        let match = handler("GET", "/api/v1/media/download/media/acme/0193/original.jpg")
        XCTAssertEqual(match?.0, "download")
        XCTAssertEqual(match?.1, ["bucket": "media", "objectKey": "acme/0193/original.jpg"])
        let variant = handler("GET", "/api/v1/media/variant/media/thumbnail/acme/0193")
        XCTAssertEqual(variant?.1, ["bucket": "media", "variantName": "thumbnail", "folder": "acme/0193"])
    }

    func testWildcardNeedsAtLeastOneSegment() {
        if case .found = makeRouter().match(method: "GET", path: "/api/v1/media/download/media") { XCTFail("matched without a key") }
    }

    func testWildcardKeepsEmptySegmentsForValidationToRefuse() {
        XCTAssertEqual(handler("GET", "/api/v1/media/download/media/acme//x.jpg")?.1["objectKey"], "acme//x.jpg")
    }

    func testTrailingSlashIsSignificant() {
        XCTAssertEqual(handler("DELETE", "/api/v1/media/")?.0, "delete")
        guard case .methodNotAllowed = makeRouter().match(method: "DELETE", path: "/api/v1/media/abc") else {
            return XCTFail("DELETE on a media id path should be 405")
        }
    }

    func testMethodNotAllowedListsAllowedMethods() {
        guard case .methodNotAllowed(let allowed) = makeRouter().match(method: "PUT", path: "/api/v1/media/abc") else {
            return XCTFail("expected 405")
        }
        XCTAssertEqual(Set(allowed), ["GET", "PATCH"])
    }

    /// The literal route names the resource: another method there is 405 listing its methods,
    /// not a request to the parameter route beside it.
    func testAMethodTheLiteralRouteLacksIs405EvenWhenAParameterRouteHasIt() {
        guard case .methodNotAllowed(let allowed) = makeRouter().match(method: "PATCH", path: "/api/v1/media/list") else {
            return XCTFail("PATCH /list should be 405, not an update of a media called list")
        }
        XCTAssertEqual(allowed, ["GET"])
        XCTAssertEqual(handler("PATCH", "/api/v1/media/abc")?.0, "patch")
    }

    func testUnknownPathIsNotFound() {
        guard case .notFound = makeRouter().match(method: "GET", path: "/api/v2/media/list") else { return XCTFail("expected 404") }
        guard case .notFound = makeRouter().match(method: "GET", path: "/api/v1/media/abc/variants/extra") else {
            return XCTFail("expected 404")
        }
    }

    func testEmptyParameterSegmentDoesNotMatch() {
        guard case .notFound = makeRouter().match(method: "GET", path: "/api/v1/media//variants") else { return XCTFail("expected 404") }
    }

    func testTheMostSpecificRouteWinsWhateverTheOrderOfRegistration() {
        var router = Router<String>()
        router.add("GET", "/a/{x...}", "wildcard")
        router.add("GET", "/a/{x}/c", "parameter")
        router.add("GET", "/a/b/{y}", "literal first")
        for (path, expected) in [("/a/b/c", "literal first"), ("/a/z/c", "parameter"), ("/a/z/d", "wildcard"), ("/a/z", "wildcard")] {
            guard case .found(let route, _) = router.match(method: "GET", path: path) else { return XCTFail(path) }
            XCTAssertEqual(route.handler, expected, path)
        }
    }
}
