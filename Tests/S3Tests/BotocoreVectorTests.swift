import Foundation
@testable import S3
import XCTest

/// Byte-for-byte agreement with botocore on the vectors `scripts/sigv4-vectors.py` wrote.
final class BotocoreVectorTests: XCTestCase {
    struct Document: Decodable {
        let clock: String
        let accessKeyId: String
        let secretAccessKey: String
        let sessionToken: String
        let region: String
        let presigned: [Presigned]
        let headerSigned: [HeaderSigned]
    }

    struct Presigned: Decodable {
        let method: String
        let endpoint: String
        let pathStyle: Bool
        let bucket: String
        let key: String
        let expires: Int
        let contentType: String?
        let sessionToken: Bool
        let url: String
    }

    struct HeaderSigned: Decodable {
        let method: String
        let endpoint: String
        let pathStyle: Bool
        let bucket: String
        let key: String
        let headers: [String: String]
        let body: String
        let bodySHA256: String
        let unsignedPayload: Bool
        let sessionToken: Bool
        let url: String
        let expected: [String: String?]
    }

    static let document: Document = {
        let url = Bundle.module.url(forResource: "botocore", withExtension: "json", subdirectory: "Vectors")!
        return try! JSONDecoder().decode(Document.self, from: Data(contentsOf: url))
    }()

    var clock: Date { ISO8601DateFormatter().date(from: Self.document.clock)! }

    func configuration(endpoint: String, pathStyle: Bool, token: Bool) -> S3Configuration {
        let document = Self.document
        return S3Configuration(endpoint: endpoint, region: document.region,
                               credentials: S3Credentials(accessKeyId: document.accessKeyId,
                                                          secretAccessKey: document.secretAccessKey,
                                                          sessionToken: token ? document.sessionToken : nil),
                               forcePathStyle: pathStyle)
    }

    func testVectorsArePresent() {
        XCTAssertEqual(Self.document.clock, "2026-01-02T03:04:05Z")
        XCTAssertGreaterThanOrEqual(Self.document.presigned.count, 40)
        XCTAssertGreaterThanOrEqual(Self.document.headerSigned.count, 20)
    }

    func testPresignedURLsMatchBotocore() throws {
        for vector in Self.document.presigned {
            let presigner = try S3Presigner(configuration: configuration(endpoint: vector.endpoint,
                                                                         pathStyle: vector.pathStyle,
                                                                         token: vector.sessionToken))
            let url = try presigner.presignedURL(method: S3PresignMethod(rawValue: vector.method)!, bucket: vector.bucket,
                                                 key: vector.key, expires: vector.expires,
                                                 headers: vector.contentType.map { [("Content-Type", $0)] } ?? [], now: clock)
            XCTAssertEqual(url, vector.url, "\(vector.method) \(vector.key) token=\(vector.sessionToken)")
        }
    }

    /// The signer alone, given the headers botocore signed.
    func testHeaderSignaturesMatchBotocore() throws {
        for vector in Self.document.headerSigned {
            let config = configuration(endpoint: vector.endpoint, pathStyle: vector.pathStyle, token: vector.sessionToken)
            let target = try S3Endpoint(config.endpoint, region: config.region, forcePathStyle: config.forcePathStyle)
                .target(bucket: vector.bucket, key: vector.key)
            XCTAssertEqual(target.url(query: ""), vector.url)
            let signer = SigV4Signer(credentials: config.credentials, region: config.region)
            let payload = vector.unsignedPayload ? SigV4Signer.unsignedPayload : vector.bodySHA256
            let headers = signer.authorizationHeaders(method: vector.method, host: target.host, path: target.path,
                                                      headers: vector.headers.map { ($0.key, $0.value) },
                                                      payloadHash: payload, date: clock)
            for (name, expected) in vector.expected {
                XCTAssertEqual(headers.first { $0.name == name }?.value, expected, "\(vector.method) \(vector.key) \(name)")
            }
        }
    }

    /// The client's own request building (putObject, getObject) gives the same signatures.
    func testClientRequestsMatchBotocore() throws {
        var checked = 0
        for vector in Self.document.headerSigned where !vector.unsignedPayload {
            let client = try S3Client(configuration: configuration(endpoint: vector.endpoint, pathStyle: vector.pathStyle,
                                                                   token: vector.sessionToken))
            let request: S3Client.Request
            var lowered = Dictionary(uniqueKeysWithValues: vector.headers.map { ($0.key.lowercased(), $0.value) })
            switch vector.method {
            case "PUT":
                let contentType = lowered.removeValue(forKey: "content-type")!
                let cacheControl = lowered.removeValue(forKey: "cache-control")
                var metadata: [String: String] = [:]
                for (name, value) in lowered where name.hasPrefix("x-amz-meta-") {
                    metadata[String(name.dropFirst("x-amz-meta-".count))] = value
                }
                request = S3Client.putRequest(bucket: vector.bucket, key: vector.key, body: Array(vector.body.utf8),
                                              contentType: contentType, cacheControl: cacheControl,
                                              metadata: metadata.isEmpty ? nil : metadata)
            case "GET":
                request = S3Client.getRequest(bucket: vector.bucket, key: vector.key, range: lowered["range"],
                                              ifNoneMatch: lowered["if-none-match"])
            default:
                request = S3Client.Request(method: vector.method, bucket: vector.bucket, key: vector.key)
            }
            let (url, headers) = client.prepare(request, date: clock)
            XCTAssertEqual(url, vector.url)
            XCTAssertEqual(headers.first { $0.name == "authorization" }?.value, vector.expected["authorization"] ?? nil,
                           "\(vector.method) \(vector.key)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 20)
    }
}
