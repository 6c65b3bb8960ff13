@testable import MediaApp
import MediaCore
import MediaHTTP
import S3
import XCTest

final class DownloadHeadersTests: XCTestCase {
    private let media = Media(id: "01a22502-aab9-7616-9ec0-1e04d2a0be2c", organizationId: "o", orgSlug: "demo", bucket: "media-private",
                              objectKey: "demo/01a22502-aab9-7616-9ec0-1e04d2a0be2c/original.png", filename: "Plan (final) ü.png",
                              mimeType: "image/png", size: 1000, width: 10, height: 10, checksum: nil, isPrivate: true, status: .ready,
                              variants: [MediaVariant(name: "thumbnail", objectKey: "demo/01a22502-aab9-7616-9ec0-1e04d2a0be2c/thumbnail.png",
                                                      mimeType: "image/png", size: 100, width: 5, height: 5)],
                              createdAt: "", updatedAt: "")

    func testTargetsAreTheOriginalOrAVariantOfTheMedia() throws {
        let original = try XCTUnwrap(DownloadTarget(media: media, objectKey: media.objectKey))
        XCTAssertEqual(original.size, 1000)
        XCTAssertEqual(original.filename, "Plan (final) ü.png")
        let thumbnail = try XCTUnwrap(DownloadTarget(media: media, objectKey: media.variants[0].objectKey))
        XCTAssertEqual(thumbnail.size, 100)
        XCTAssertEqual(thumbnail.filename, "Plan (final) ü-thumbnail.png")
        XCTAssertEqual(thumbnail.bucket, "media-private")
        XCTAssertNil(DownloadTarget(media: media, objectKey: "demo/01a22502-aab9-7616-9ec0-1e04d2a0be2c/small.png"))
    }

    func testRelayedHeadersOfAPartialAnswerOfPrivateMedia() throws {
        let target = try XCTUnwrap(DownloadTarget(media: media, objectKey: media.objectKey))
        let head = S3ObjectHead(status: 206, headers: ["content-length": "10", "content-range": "bytes 0-9/1000",
                                                       "etag": "\"abc\"", "last-modified": "Sun, 29 Nov 2026 01:54:21 GMT",
                                                       "content-type": "binary/octet-stream", "x-amz-request-id": "r"])
        let headers = DownloadHeaders.relayed(target, head: head)
        XCTAssertEqual(headers["content-type"], "image/png", "the recorded type, not the store's")
        XCTAssertEqual(headers["content-length"], "10")
        XCTAssertEqual(headers["content-range"], "bytes 0-9/1000")
        XCTAssertEqual(headers["etag"], "\"abc\"")
        XCTAssertEqual(headers["last-modified"], "Sun, 29 Nov 2026 01:54:21 GMT")
        XCTAssertEqual(headers["cache-control"], "private, max-age=31536000, immutable")
        XCTAssertEqual(headers["content-disposition"], "inline; filename=\"Plan (final) _.png\"; filename*=UTF-8''Plan%20%28final%29%20%C3%BC.png")
        XCTAssertEqual(headers["accept-ranges"], "bytes")
        XCTAssertEqual(headers["x-content-type-options"], "nosniff")
        XCTAssertNil(headers["content-security-policy"])
        XCTAssertNil(headers["x-amz-request-id"])
    }

    func testNonImagesAreAttachmentsWithASandboxAndPublicCaching() {
        let target = DownloadTarget(bucket: "media", objectKey: "demo/x/original.pdf", mimeType: "application/pdf", size: 5,
                                    filename: "a.pdf", isPrivate: false)
        let headers = DownloadHeaders.relayed(target, head: S3ObjectHead(status: 200, headers: ["content-length": "5",
                                                                                              "content-range": "bytes 0-4/5"]))
        XCTAssertTrue(headers["content-disposition"]?.hasPrefix("attachment;") ?? false)
        XCTAssertEqual(headers["content-security-policy"], "default-src 'none'; sandbox")
        XCTAssertEqual(headers["cache-control"], "public, max-age=31536000, immutable")
        XCTAssertNil(headers["content-range"], "only a 206 has one")
    }

    func testNotModifiedCarriesValidatorsAndCachingOnly() {
        let target = DownloadTarget(bucket: "media", objectKey: "k", mimeType: "image/jpeg", size: 5, filename: "a.jpg", isPrivate: false)
        let headers = DownloadHeaders.notModified(target, head: S3ObjectHead(status: 304, headers: ["etag": "\"abc\""]))
        XCTAssertEqual(headers["etag"], "\"abc\"")
        XCTAssertNotNil(headers["cache-control"])
        XCTAssertNil(headers["content-type"])
        XCTAssertNil(headers["content-length"])
    }
}
