import Foundation
@testable import S3
import XCTest

final class PresignAndAddressingTests: XCTestCase {
    let credentials = S3Credentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    let now = Date(timeIntervalSince1970: 1_767_323_045) // 2026-01-02T03:04:05Z

    func presigner(_ endpoint: String? = "http://127.0.0.1:9000", pathStyle: Bool = true) throws -> S3Presigner {
        try S3Presigner(configuration: S3Configuration(endpoint: endpoint, region: "us-east-1", credentials: credentials,
                                                       forcePathStyle: pathStyle))
    }

    func testExpiryBounds() throws {
        let presigner = try presigner()
        for seconds in [1, 60, 3600, 86400, 604_800] {
            XCTAssertNoThrow(try presigner.presignedURL(method: .get, bucket: "media", key: "k", expires: seconds, now: now))
        }
        for seconds in [0, -1, 604_801, Int.max] {
            XCTAssertThrowsError(try presigner.presignedURL(method: .get, bucket: "media", key: "k", expires: seconds,
                                                            now: now)) { error in
                XCTAssertEqual(error as? S3ClientError, .expiresOutOfRange(seconds))
            }
        }
    }

    func testInvalidArguments() throws {
        let presigner = try presigner()
        XCTAssertThrowsError(try presigner.presignedURL(method: .get, bucket: "media", key: "", expires: 60, now: now)) {
            XCTAssertEqual($0 as? S3ClientError, .emptyKey)
        }
        XCTAssertThrowsError(try presigner.presignedURL(method: .get, bucket: "Bad/Bucket", key: "k", expires: 60, now: now))
    }

    /// A multipart upload's part: `partNumber` and `uploadId` are signed with the rest. The
    /// signature is botocore's for the same request (generate_presigned_url("upload_part",
    /// ContentLength=8388608) at 2026-01-02T03:04:05Z), an upload id with characters to escape.
    func testPresignedPartSignsItsQueryLikeBotocore() throws {
        let url = try presigner().presignedURL(method: .put, bucket: "media-private",
                                               key: "_staging/acme/0190f0e4-7a2b-7c3d-8e4f-5a6b7c8d9e0f", expires: 900,
                                               headers: [("Content-Length", "8388608")],
                                               query: [("partNumber", "3"), ("uploadId", "abc_def/+=")], now: now)
        XCTAssertTrue(url.contains("partNumber=3"))
        XCTAssertTrue(url.contains("uploadId=abc_def%2F%2B%3D"))
        XCTAssertTrue(url.contains("X-Amz-SignedHeaders=content-length%3Bhost"))
        XCTAssertTrue(url.hasSuffix("&X-Amz-Signature=a5da9562327aaee7f806c51528ee43bbd9dceecc6566d175ca77910a8d0a57d0"), url)
    }

    func testPresignedPutSignsContentType() throws {
        let url = try presigner().presignedURL(method: .put, bucket: "media", key: "a b.png", expires: 900,
                                               headers: [("Content-Type", "image/png")], now: now)
        XCTAssertTrue(url.hasPrefix("http://127.0.0.1:9000/media/a%20b.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
        XCTAssertTrue(url.contains("&X-Amz-Date=20260102T030405Z&X-Amz-Expires=900&X-Amz-SignedHeaders=content-type%3Bhost&"))
        let get = try presigner().presignedURL(method: .get, bucket: "media", key: "a b.png", expires: 900,
                                               headers: [("Content-Type", "image/png")], now: now)
        XCTAssertTrue(get.contains("X-Amz-SignedHeaders=host&"), "a GET signs no content type")
    }

    func testSignatureChangesWithTheClock() throws {
        let presigner = try presigner()
        let first = try presigner.presignedURL(method: .get, bucket: "media", key: "k", expires: 60, now: now)
        let same = try presigner.presignedURL(method: .get, bucket: "media", key: "k", expires: 60, now: now)
        let later = try presigner.presignedURL(method: .get, bucket: "media", key: "k", expires: 60,
                                               now: now.addingTimeInterval(1))
        XCTAssertEqual(first, same)
        XCTAssertNotEqual(first, later)
    }

    func testEndpointParsing() throws {
        let local = try S3Endpoint("http://127.0.0.1:18333", region: "us-east-1", forcePathStyle: true)
        XCTAssertEqual(local.target(bucket: "media", key: "a").url(query: ""), "http://127.0.0.1:18333/media/a")
        let defaultPort = try S3Endpoint("https://Minio.Example:443/", region: "us-east-1", forcePathStyle: true)
        XCTAssertEqual(defaultPort.target(bucket: "media", key: "a").host, "minio.example")
        let http80 = try S3Endpoint("http://minio:80", region: "us-east-1", forcePathStyle: true)
        XCTAssertEqual(http80.target(bucket: "media", key: nil).url(query: ""), "http://minio/media")
        let ipv6 = try S3Endpoint("http://[::1]:9000", region: "us-east-1", forcePathStyle: true)
        XCTAssertEqual(ipv6.target(bucket: "media", key: "k").host, "[::1]:9000")
        let aws = try S3Endpoint(nil, region: "eu-west-3", forcePathStyle: false)
        XCTAssertEqual(aws.target(bucket: "media", key: "k").url(query: ""), "https://media.s3.eu-west-3.amazonaws.com/k")
        for bad in ["127.0.0.1:9000", "ftp://host", "http://", "http://host:0", "http://host:99999", "http://host/path",
                    "http://user@host", "http://host:port"] {
            XCTAssertThrowsError(try S3Endpoint(bad, region: "us-east-1", forcePathStyle: true), bad)
        }
    }

    func testAddressingStyles() throws {
        let virtual = try S3Endpoint("https://s3.example.com:8443", region: "us-east-1", forcePathStyle: false)
        XCTAssertEqual(virtual.target(bucket: "media", key: "a/b c").url(query: ""), "https://media.s3.example.com:8443/a/b%20c")
        XCTAssertEqual(virtual.target(bucket: "media", key: nil).url(query: "list-type=2"),
                       "https://media.s3.example.com:8443/?list-type=2")
        // Dotted or capitalised names cannot be host labels (TLS wildcards): path style instead.
        XCTAssertEqual(virtual.target(bucket: "my.media", key: "k").url(query: ""), "https://s3.example.com:8443/my.media/k")
        let path = try S3Endpoint("https://s3.example.com:8443", region: "us-east-1", forcePathStyle: true)
        XCTAssertEqual(path.target(bucket: "media", key: "k").url(query: ""), "https://s3.example.com:8443/media/k")
    }

    func testTimestamps() {
        XCTAssertEqual(SigV4Timestamp(Date(timeIntervalSince1970: 0)).amzDate, "19700101T000000Z")
        XCTAssertEqual(SigV4Timestamp(now).amzDate, "20260102T030405Z")
        XCTAssertEqual(SigV4Timestamp(Date(timeIntervalSince1970: 951_825_599.999)).amzDate, "20000229T115959Z")
        XCTAssertEqual(SigV4Timestamp(Date(timeIntervalSince1970: 4_107_542_399)).amzDate, "21000228T235959Z")
        XCTAssertEqual(SigV4Timestamp(Date(timeIntervalSince1970: 4_107_542_400)).amzDate, "21000301T000000Z")
        XCTAssertEqual(SigV4Timestamp(Date(timeIntervalSince1970: 1_709_251_199)).dateStamp, "20240229")
    }
}
