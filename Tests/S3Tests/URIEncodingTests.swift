@testable import S3
import XCTest

final class URIEncodingTests: XCTestCase {
    func testUnreservedCharactersAreKept() {
        let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
        XCTAssertEqual(S3URIEncoding.encode(unreserved), unreserved)
        XCTAssertEqual(S3URIEncoding.encodeKey(unreserved), unreserved)
    }

    func testEverythingElseIsEncodedOnceWithUppercaseHex() {
        XCTAssertEqual(S3URIEncoding.encode(" "), "%20") // never '+'
        XCTAssertEqual(S3URIEncoding.encode("+"), "%2B")
        XCTAssertEqual(S3URIEncoding.encode("%"), "%25")
        XCTAssertEqual(S3URIEncoding.encode("%2F"), "%252F") // already-encoded text is encoded again, once
        XCTAssertEqual(S3URIEncoding.encode("()"), "%28%29")
        XCTAssertEqual(S3URIEncoding.encode("!*'"), "%21%2A%27")
        XCTAssertEqual(S3URIEncoding.encode("=&;,:@$?#[]"), "%3D%26%3B%2C%3A%40%24%3F%23%5B%5D")
        XCTAssertEqual(S3URIEncoding.encode("\u{7F}\u{00}\n"), "%7F%00%0A")
    }

    func testUTF8BytesAreEncoded() {
        XCTAssertEqual(S3URIEncoding.encode("ü"), "%C3%BC")
        XCTAssertEqual(S3URIEncoding.encode("日本"), "%E6%97%A5%E6%9C%AC")
        XCTAssertEqual(S3URIEncoding.encode("📷"), "%F0%9F%93%B7")
        // Composed and decomposed forms are different keys: no normalisation.
        XCTAssertEqual(S3URIEncoding.encode("e\u{301}"), "e%CC%81")
        XCTAssertEqual(S3URIEncoding.encode("\u{E9}"), "%C3%A9")
    }

    func testSlashIsKeptInKeysOnly() {
        XCTAssertEqual(S3URIEncoding.encode("a/b"), "a%2Fb")
        XCTAssertEqual(S3URIEncoding.encodeKey("a/b"), "a/b")
        XCTAssertEqual(S3URIEncoding.encodeKey("a//b///c"), "a//b///c")
        XCTAssertEqual(S3URIEncoding.encodeKey("/leading"), "/leading")
        XCTAssertEqual(S3URIEncoding.encodeKey("./x/../y"), "./x/../y")
        XCTAssertEqual(S3URIEncoding.encodeKey("my photo (1).jpg"), "my%20photo%20%281%29.jpg")
    }

    func testPathsAreNotNormalised() throws {
        let endpoint = try S3Endpoint("http://127.0.0.1:9000", region: "us-east-1", forcePathStyle: true)
        XCTAssertEqual(endpoint.target(bucket: "b-1", key: "a//b").path, "/b-1/a//b")
        XCTAssertEqual(endpoint.target(bucket: "b-1", key: "../x").path, "/b-1/../x")
        XCTAssertEqual(endpoint.target(bucket: "b-1", key: "/x").path, "/b-1//x")
    }

    func testCanonicalQuerySortsByEncodedNameThenValue() {
        XCTAssertEqual(SigV4Signer.canonicalQuery([("b", "2"), ("a", "1"), ("a", "0")]), "a=0&a=1&b=2")
        // Uppercase sorts before lowercase (byte order), as S3 wants.
        XCTAssertEqual(SigV4Signer.canonicalQuery([("x-id", "1"), ("X-Amz-Date", "2")]), "X-Amz-Date=2&x-id=1")
        XCTAssertEqual(SigV4Signer.canonicalQuery([("prefix", "a b/c+d"), ("continuation-token", "1/2=")]),
                       "continuation-token=1%2F2%3D&prefix=a%20b%2Fc%2Bd")
        XCTAssertEqual(S3Client.urlQuery([("delete", "")]), "delete")
        XCTAssertEqual(S3Client.urlQuery([("list-type", "2"), ("prefix", "a b")]), "list-type=2&prefix=a%20b")
    }

    func testCanonicalHeadersTrimAndMerge() {
        let result = SigV4Signer.canonicalHeaders([("X-Amz-Meta-A", "  two   spaces\there "), ("Host", "h"),
                                                  ("x-amz-meta-a", "second")])
        XCTAssertEqual(result.block, "host:h\nx-amz-meta-a:two spaces here,second\n")
        XCTAssertEqual(result.names, "host;x-amz-meta-a")
    }
}
