import Foundation
@testable import S3
import XCTest

/// Retry policy against an in-process fake server: 5xx and SlowDown are retried, 4xx never.
final class RetryTests: XCTestCase {
    func client(port: Int, attempts: Int = 3) throws -> S3Client {
        try S3Client(configuration: S3Configuration(
            endpoint: "http://127.0.0.1:\(port)", region: "us-east-1",
            credentials: S3Credentials(accessKeyId: "k", secretAccessKey: "s"), forcePathStyle: true,
            connectTimeout: 1, requestTimeout: 2, maxAttempts: attempts, retryBaseDelay: 0.001, retryMaxDelay: 0.01))
    }

    let slowDown = FakeHTTPServer.response(
        status: 503, reason: "Slow Down",
        body: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>R1</RequestId></Error>")
    let ok = FakeHTTPServer.response(status: 200, reason: "OK", body: "hello",
                                     headers: ["ETag: \"e\"", "Content-Type: text/plain"])

    func testSlowDownIsRetriedUntilSuccess() throws {
        let server = try FakeHTTPServer(responses: [slowDown, slowDown, ok])
        defer { server.stop() }
        let (head, body) = try client(port: server.port).getObjectBytes(bucket: "media", key: "a b")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(body, Array("hello".utf8))
        XCTAssertEqual(server.requests, Array(repeating: "GET /media/a%20b HTTP/1.1", count: 3))
    }

    func testServerErrorsGiveUpAfterMaxAttempts() throws {
        let server = try FakeHTTPServer(responses: [slowDown])
        defer { server.stop() }
        XCTAssertThrowsError(try client(port: server.port, attempts: 4).headBucket("media")) { error in
            let s3 = error as? S3Error
            XCTAssertEqual(s3?.code, .serviceUnavailable, "HEAD has no body: code from the status")
            XCTAssertEqual(s3?.status, 503)
        }
        XCTAssertEqual(server.requests.count, 4)

        let other = try FakeHTTPServer(responses: [slowDown])
        defer { other.stop() }
        XCTAssertThrowsError(try client(port: other.port).listObjectsV2(bucket: "media")) { error in
            XCTAssertEqual((error as? S3Error)?.code, .slowDown)
            XCTAssertEqual((error as? S3Error)?.requestId, "R1")
        }
        XCTAssertEqual(other.requests.count, 3)
    }

    func testClientErrorsAreNeverRetried() throws {
        let notFound = FakeHTTPServer.response(status: 404, reason: "Not Found",
                                               body: "<Error><Code>NoSuchKey</Code><Key>k</Key></Error>")
        let denied = FakeHTTPServer.response(status: 403, reason: "Forbidden",
                                             body: "<Error><Code>AccessDenied</Code></Error>")
        for (response, code) in [(notFound, S3Error.Code.noSuchKey), (denied, .accessDenied)] {
            let server = try FakeHTTPServer(responses: [response, ok])
            defer { server.stop() }
            XCTAssertThrowsError(try client(port: server.port).getObjectBytes(bucket: "media", key: "k")) {
                XCTAssertEqual(($0 as? S3Error)?.code, code)
            }
            XCTAssertEqual(server.requests.count, 1)
        }
    }

    func testDroppedConnectionsAreRetried() throws {
        // An empty reply (connection closed without an answer) is CURLE_GOT_NOTHING: connectionLost.
        let server = try FakeHTTPServer(responses: ["", ok])
        defer { server.stop() }
        try client(port: server.port).deleteObject(bucket: "media", key: "k")
        XCTAssertEqual(server.requests, ["DELETE /media/k HTTP/1.1", "DELETE /media/k HTTP/1.1"])

        let dead = try FakeHTTPServer(responses: [""])
        defer { dead.stop() }
        XCTAssertThrowsError(try client(port: dead.port, attempts: 2).deleteObject(bucket: "media", key: "k")) {
            XCTAssertEqual(($0 as? S3TransportError)?.kind, .connectionLost, "\($0)")
        }
        XCTAssertEqual(dead.requests.count, 2)
    }

    func testUploadBodyIsResentOnRetry() throws {
        let server = try FakeHTTPServer(responses: [slowDown, ok])
        defer { server.stop() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("retry-\(UUID().uuidString)").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: 100_000)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try client(port: server.port).putObject(bucket: "media", key: "f", file: path, contentType: "a/b"), "\"e\"")
        XCTAssertEqual(server.requests.count, 2)
    }

    func testHeaderInjectionIsRefusedBeforeSending() throws {
        let server = try FakeHTTPServer(responses: [ok])
        defer { server.stop() }
        XCTAssertThrowsError(try client(port: server.port).putObject(
            bucket: "media", key: "k", body: [1], contentType: "text/plain",
            metadata: ["original-name": "a.jpg\r\nx-amz-acl: public-read"])) {
            XCTAssertEqual($0 as? S3ClientError, .invalidHeaderValue(name: "x-amz-meta-original-name"))
        }
        XCTAssertTrue(server.requests.isEmpty)
    }

    func testBackoffStaysWithinItsCeiling() throws {
        var configuration = try client(port: 1).configuration
        configuration.retryBaseDelay = 0.05
        configuration.retryMaxDelay = 0.08
        configuration.maxAttempts = 4
        let unreachable = try S3Client(configuration: configuration)
        let started = Date()
        XCTAssertThrowsError(try unreachable.headBucket("media")) {
            XCTAssertEqual(($0 as? S3TransportError)?.kind, .unreachable)
        }
        // Three waits of at most 0.05, 0.08, 0.08 s.
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.21 + 0.5)
    }
}
