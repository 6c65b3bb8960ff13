@testable import MediaApp
import MediaCore
import XCTest

final class TransformSignatureTests: XCTestCase {
    private let path = "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png"

    /// imgproxy's published example: key `secret`, salt `hello`.
    func testImgproxysPublishedExample() throws {
        let key = Array("secret".utf8), salt = Array("hello".utf8)
        XCTAssertEqual(TransformSignature.sign(path, key: key, salt: salt), "oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8")
        let url = try TransformURL.parse("/oKfUtW34Dvo2BGQehJFR4Nr0_rIjOtdtzJ3QFsUcXH8" + path)
        XCTAssertNoThrow(try TransformSignature(pairs: [(key, salt)]).verify(url))
    }

    func testAnyConfiguredPairMaySignAndAnythingElseIs403() throws {
        let old = (key: Array("old-key".utf8), salt: Array("old-salt".utf8))
        let new = (key: Array("new-key".utf8), salt: Array("new-salt".utf8))
        let checker = TransformSignature(pairs: [new, old])
        for pair in [old, new] {
            XCTAssertNoThrow(try checker.verify(TransformURL.parse("/" + TransformSignature.sign(path, key: pair.key, salt: pair.salt) + path)))
        }
        let signed = "/" + TransformSignature.sign(path, key: new.key, salt: new.salt) + path
        let tampered = signed.replacingOccurrences(of: "300:400", with: "300:401")
        for bad in [tampered, "/insecure" + path, "/" + TransformSignature.sign(path, key: Array("x".utf8), salt: new.salt) + path] {
            XCTAssertThrowsError(try checker.verify(TransformURL.parse(bad)), bad) {
                XCTAssertEqual($0 as? TransformError, .badSignature)
                XCTAssertEqual(($0 as? TransformError)?.serviceError.code.status, 403)
            }
        }
        XCTAssertThrowsError(try TransformSignature(pairs: []).verify(TransformURL.parse(signed)), "no pairs: transforms are off")
    }

    func testPresetsAreCheckedWhenTheConfigurationLoads() throws {
        let presets = try AppConfig.Transforms.presets("thumb=rs:fill:200:200/q:70,hero=w:1600/pr:thumb")
        XCTAssertEqual(presets["thumb"]?.map(\.name), ["rs", "q"])
        XCTAssertThrowsError(try AppConfig.Transforms.presets("thumb=rs:zoom"))
        XCTAssertThrowsError(try AppConfig.Transforms.presets("thumb=w:1,thumb=w:2"))
        XCTAssertThrowsError(try AppConfig.Transforms.presets("thumb"))
    }
}
