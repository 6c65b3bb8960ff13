import MediaCore
import XCTest

final class APIKeyAndSlugTests: XCTestCase {
    func testKeyRoundTrip() {
        let key = APIKeyFormat.make(idBytes: [0, 1, 2, 3, 0xfc, 0xfd, 0xfe, 0xff], secretBytes: Array(0..<32))
        XCTAssertEqual(key.id, "00010203fcfdfeff")
        XCTAssertEqual(key.secret.count, 43)
        XCTAssertEqual(APIKeyFormat.parse(key.text), key)
    }

    func testRejectsForeignShapes() {
        let good = APIKeyFormat.make(idBytes: Array(repeating: 1, count: 8), secretBytes: Array(repeating: 2, count: 32)).text
        XCTAssertNotNil(APIKeyFormat.parse(good))
        XCTAssertNil(APIKeyFormat.parse(""))
        XCTAssertNil(APIKeyFormat.parse("Bearer " + good))
        XCTAssertNil(APIKeyFormat.parse(String(good.dropLast())))
        XCTAssertNil(APIKeyFormat.parse(good + "x"))
        XCTAssertNil(APIKeyFormat.parse(good.replacingOccurrences(of: "mk_", with: "xx_")))
        XCTAssertNil(APIKeyFormat.parse(String(good.prefix(19)) + "!" + String(good.dropFirst(20))))
        XCTAssertNil(APIKeyFormat.parse("mk_' OR 1=1 --_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
    }

    func testBase64URLMatchesRFC4648() {
        XCTAssertEqual(Base64URL.encode(Array("f".utf8)), "Zg")
        XCTAssertEqual(Base64URL.encode(Array("fo".utf8)), "Zm8")
        XCTAssertEqual(Base64URL.encode(Array("foo".utf8)), "Zm9v")
        XCTAssertEqual(Base64URL.encode([0xfb, 0xff]), "-_8")
    }

    func testSlugRules() {
        for good in ["acme", "a1", "my-team", String(repeating: "a", count: 64)] { XCTAssertTrue(Organization.isValidSlug(good), good) }
        for bad in ["a", "Acme", "-acme", "acme-", "a--b", "a_b", "a/b", "..", "", String(repeating: "a", count: 65), "é-team"] {
            XCTAssertFalse(Organization.isValidSlug(bad), bad)
        }
    }
}
