@testable import MediaApp
import MediaCore
import XCTest

/// What nginx may keep of a transform's answer (X-Accel-Expires): public derivatives only, and
/// never past the URL's own expiry.
final class TransformCacheTests: XCTestCase {
    private func media(isPrivate: Bool) -> Media {
        Media(id: "01a22502-aab9-7616-9ec0-1e04d2a0be2c", organizationId: "o", orgSlug: "demo",
              bucket: isPrivate ? "media-private" : "media", objectKey: "demo/01a22502-aab9-7616-9ec0-1e04d2a0be2c/original.jpg",
              filename: "a.jpg", mimeType: "image/jpeg", size: 1000, width: 10, height: 10, checksum: nil, isPrivate: isPrivate,
              status: .ready, createdAt: "", updatedAt: "")
    }

    func testPublicDerivativesAreKeptForTheConfiguredSeconds() {
        var settings = AppConfig.Transforms()
        settings.cacheSeconds = 60
        XCTAssertEqual(TransformRoutes.nginxCacheSeconds(media(isPrivate: false), TransformOptions(), settings), 60)
        settings.cacheSeconds = 0
        XCTAssertNil(TransformRoutes.nginxCacheSeconds(media(isPrivate: false), TransformOptions(), settings))
    }

    func testPrivateDerivativesAreNeverKept() {
        var options = TransformOptions()
        options.expires = 2_000_000_000
        XCTAssertNil(TransformRoutes.nginxCacheSeconds(media(isPrivate: true), options, AppConfig.Transforms(), now: 1_000_000_000))
    }

    func testAnExpiringURLIsKeptNoLongerThanItIsValid() {
        var options = TransformOptions()
        options.expires = 1_000_000_010
        let settings = AppConfig.Transforms()
        XCTAssertEqual(TransformRoutes.nginxCacheSeconds(media(isPrivate: false), options, settings, now: 1_000_000_000), 10)
        XCTAssertNil(TransformRoutes.nginxCacheSeconds(media(isPrivate: false), options, settings, now: 1_000_000_010))
    }
}
