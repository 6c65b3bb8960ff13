import Foundation
import Hashing
@testable import S3
import XCTest

/// The worked examples of AWS's S3 SigV4 documentation ("Signature Calculations for the
/// Authorization Header" and "Authenticating Requests: Using Query Parameters"), with their
/// published canonical-request hashes and signatures, typed in from the documentation.
final class AWSPublishedExampleTests: XCTestCase {
    let signer = SigV4Signer(credentials: S3Credentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                                                        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                             region: "us-east-1")
    let date = Date(timeIntervalSince1970: 1_369_353_600) // 2013-05-24T00:00:00Z
    let host = "examplebucket.s3.amazonaws.com"
    let credential = "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"

    func testTimestampOfTheExamples() {
        XCTAssertEqual(SigV4Timestamp(date).amzDate, "20130524T000000Z")
        XCTAssertEqual(SigV4Timestamp(date).dateStamp, "20130524")
    }

    func testSigningKey() {
        // Published: the derived signing key for 20130524/us-east-1/s3.
        let time = SigV4Timestamp(date)
        let dateKey = HMAC.sha256(key: Array("AWS4wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".utf8), message: time.dateStamp)
        let key = HMAC.sha256(key: HMAC.sha256(key: HMAC.sha256(key: dateKey, message: "us-east-1"), message: "s3"),
                              message: "aws4_request")
        XCTAssertEqual(key.hexString, "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378")
    }

    /// GET Object with `Range: bytes=0-9`.
    func testGetObjectWithRange() throws {
        let headers = signer.authorizationHeaders(method: "GET", host: host, path: "/test.txt",
                                                  headers: [("Range", "bytes=0-9")],
                                                  payloadHash: SigV4Signer.emptyPayloadSHA256, date: date)
        XCTAssertEqual(value(headers, "x-amz-date"), "20130524T000000Z")
        XCTAssertEqual(value(headers, "authorization"),
                       "AWS4-HMAC-SHA256 \(credential), SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                           + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        let canonical = SigV4Signer.canonicalRequest(
            method: "GET", path: "/test.txt", canonicalQuery: "",
            canonicalHeaders: "host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                + "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                + "x-amz-date:20130524T000000Z\n",
            signedHeaders: "host;range;x-amz-content-sha256;x-amz-date", payloadHash: SigV4Signer.emptyPayloadSHA256)
        XCTAssertEqual(SHA256.hash(canonical).hexString, "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")
    }

    /// PUT Object `test$file.text` (the `$` must become `%24`) with a signed payload.
    func testPutObject() throws {
        let body = Array("Welcome to Amazon S3.".utf8)
        let payloadHash = SHA256.hash(body).hexString
        XCTAssertEqual(payloadHash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let target = try S3Endpoint("https://s3.amazonaws.com", region: "us-east-1", forcePathStyle: false)
            .target(bucket: "examplebucket", key: "test$file.text")
        XCTAssertEqual(target.host, host)
        XCTAssertEqual(target.path, "/test%24file.text")
        let headers = signer.authorizationHeaders(method: "PUT", host: target.host, path: target.path,
                                                  headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                                                            ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                                                  payloadHash: payloadHash, date: date)
        XCTAssertEqual(value(headers, "authorization"),
                       "AWS4-HMAC-SHA256 \(credential), "
                           + "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
                           + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    /// GET Bucket lifecycle: a subresource with no value canonicalises as `lifecycle=`.
    func testGetBucketLifecycle() {
        XCTAssertEqual(SigV4Signer.canonicalQuery([("lifecycle", "")]), "lifecycle=")
        let headers = signer.authorizationHeaders(method: "GET", host: host, path: "/", query: [("lifecycle", "")],
                                                  payloadHash: SigV4Signer.emptyPayloadSHA256, date: date)
        XCTAssertEqual(value(headers, "authorization"),
                       "AWS4-HMAC-SHA256 \(credential), SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                           + "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        let canonical = SigV4Signer.canonicalRequest(
            method: "GET", path: "/", canonicalQuery: "lifecycle=",
            canonicalHeaders: "host:examplebucket.s3.amazonaws.com\n"
                + "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                + "x-amz-date:20130524T000000Z\n",
            signedHeaders: "host;x-amz-content-sha256;x-amz-date", payloadHash: SigV4Signer.emptyPayloadSHA256)
        XCTAssertEqual(SHA256.hash(canonical).hexString, "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca")
    }

    /// GET Bucket (list objects) `?max-keys=2&prefix=J`: parameters sorted by name.
    func testListObjects() {
        XCTAssertEqual(SigV4Signer.canonicalQuery([("prefix", "J"), ("max-keys", "2")]), "max-keys=2&prefix=J")
        let headers = signer.authorizationHeaders(method: "GET", host: host, path: "/",
                                                  query: [("prefix", "J"), ("max-keys", "2")],
                                                  payloadHash: SigV4Signer.emptyPayloadSHA256, date: date)
        XCTAssertEqual(value(headers, "authorization"),
                       "AWS4-HMAC-SHA256 \(credential), SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                           + "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
        let canonical = SigV4Signer.canonicalRequest(
            method: "GET", path: "/", canonicalQuery: "max-keys=2&prefix=J",
            canonicalHeaders: "host:examplebucket.s3.amazonaws.com\n"
                + "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                + "x-amz-date:20130524T000000Z\n",
            signedHeaders: "host;x-amz-content-sha256;x-amz-date", payloadHash: SigV4Signer.emptyPayloadSHA256)
        XCTAssertEqual(SHA256.hash(canonical).hexString, "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7")
    }

    /// The presigned GET of `test.txt`, valid 86400 s: the whole published URL.
    func testPresignedURL() throws {
        let configuration = S3Configuration(endpoint: "https://s3.amazonaws.com", region: "us-east-1",
                                            credentials: signer.credentials, forcePathStyle: false)
        let url = try S3Presigner(configuration: configuration)
            .presignedURL(method: .get, bucket: "examplebucket", key: "test.txt", expires: 86400, now: date)
        XCTAssertEqual(url, "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        let canonical = SigV4Signer.canonicalRequest(
            method: "GET", path: "/test.txt",
            canonicalQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host",
            canonicalHeaders: "host:examplebucket.s3.amazonaws.com\n", signedHeaders: "host",
            payloadHash: SigV4Signer.unsignedPayload)
        XCTAssertEqual(SHA256.hash(canonical).hexString, "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04")
    }

    private func value(_ headers: [(name: String, value: String)], _ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }
}
