import Hashing
import XCTest

final class HashingTests: XCTestCase {
    func testSHA256OfKnownInputs() {
        XCTAssertEqual(SHA256.hash("").hexString, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash("abc").hexString, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testSHA256IncrementalEqualsOneShot() {
        var hasher = SHA256()
        hasher.update(Array("a".utf8))
        hasher.update(Array("bc".utf8))
        let digest = hasher.finalize()
        XCTAssertEqual(digest, SHA256.hash("abc"))
    }

    /// RFC 4231, test case 2.
    func testHMACSHA256RFC4231() {
        let mac = HMAC.sha256(key: Array("Jefe".utf8), message: "what do ya want for nothing?")
        XCTAssertEqual(mac.hexString, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func testConstantTimeEqual() {
        XCTAssertTrue(Bytes.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(Bytes.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(Bytes.constantTimeEqual([1, 2], [1, 2, 3]))
        XCTAssertEqual(Bytes.random(count: 16).count, 16)
        XCTAssertNotEqual(Bytes.random(count: 16), Bytes.random(count: 16))
    }
}
