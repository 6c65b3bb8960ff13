import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hashing
import S3
import XCTest

/// Every S3Client operation against the live store (SeaweedFS under ./scripts/test).
final class S3ClientLiveTests: XCTestCase {
    private var liveClient: S3Client?
    private var missing: Error?
    var bucket = ""
    var prefix = ""

    /// Throws in the test body when the environment is missing, so the test fails (an error
    /// thrown from setUp would be reported as a skip as well).
    var client: S3Client {
        get throws {
            guard let liveClient else { throw missing ?? LiveS3.MissingEnvironment(names: LiveS3.variables) }
            return liveClient
        }
    }

    override func setUpWithError() throws {
        do {
            let (configuration, bucket) = try LiveS3.setUp(self)
            liveClient = try S3Client(configuration: configuration)
            self.bucket = bucket
        } catch let error as LiveS3.MissingEnvironment {
            missing = error
            return
        }
        prefix = LiveS3.uniquePrefix()
        try LiveS3.ensureBucket(client, bucket)
    }

    override func tearDownWithError() throws {
        if let liveClient, !prefix.isEmpty { try liveClient.deletePrefix(bucket: bucket, prefix: prefix) }
    }

    // MARK: Buckets

    func testHeadBucket() throws {
        try client.headBucket(bucket)
        XCTAssertThrowsError(try client.headBucket("no-such-bucket-\(UUID().uuidString.prefix(8).lowercased())")) { error in
            XCTAssertEqual((error as? S3Error)?.code, .noSuchBucket, "\(error)")
            XCTAssertEqual((error as? S3Error)?.status, 404)
        }
    }

    func testConnectionIsReused() throws {
        let fresh = try S3Client(configuration: LiveS3.setUp(self).configuration)
        try fresh.putObject(bucket: bucket, key: prefix + "reuse", body: [1], contentType: "text/plain")
        for _ in 0..<5 {
            _ = try fresh.headObject(bucket: bucket, key: prefix + "reuse")
            _ = try fresh.getObjectBytes(bucket: bucket, key: prefix + "reuse")
        }
        _ = try fresh.listObjectsV2(bucket: bucket, prefix: prefix)
        XCTAssertEqual(fresh.connectionsOpened, 1)
    }

    func testCreateBucketTwiceSaysItExists() throws {
        let name = "live-\(UUID().uuidString.prefix(8).lowercased())"
        try client.createBucket(name)
        defer { XCTAssertNoThrow(try client.deleteBucket(name)) } // each bucket costs the store volumes
        try client.headBucket(name)
        XCTAssertThrowsError(try client.createBucket(name)) { error in
            let code = (error as? S3Error)?.code
            XCTAssertTrue(code == .bucketAlreadyOwnedByYou || code == .bucketAlreadyExists, "\(error)")
        }
    }

    // MARK: Objects

    func testPutHeadGetDeleteWithAwkwardKeys() throws {
        let names = ["plain.txt", "my photo (1).jpg", "a+b=c&d.txt", "100%.png", "ünïcödé/日本語 ファイル.jpg",
                     "a//b///c.txt", "semi;colon,comma!'*@$:.txt", "emoji 📷.png"]
        for name in names {
            let key = prefix + name
            let body = Array("body of \(name)".utf8)
            let eTag = try client.putObject(bucket: bucket, key: key, body: body, contentType: "text/plain",
                                            cacheControl: "public, max-age=31536000, immutable",
                                            metadata: ["original-name": "x.txt"])
            XCTAssertNotNil(eTag, key)
            let head = try client.headObject(bucket: bucket, key: key)
            XCTAssertEqual(head.status, 200)
            XCTAssertEqual(head.contentLength, Int64(body.count), key)
            XCTAssertEqual(head.contentType, "text/plain")
            XCTAssertEqual(head.cacheControl, "public, max-age=31536000, immutable")
            XCTAssertEqual(head.metadata["original-name"], "x.txt")
            XCTAssertEqual(head.eTag, eTag)
            XCTAssertNotNil(head.lastModified)
            let (getHead, bytes) = try client.getObjectBytes(bucket: bucket, key: key)
            XCTAssertEqual(getHead.status, 200)
            XCTAssertTrue(bytes == body, key)
            // SeaweedFS is backed by a file system and lists `a//b` as `a/b` (it still serves the
            // key as sent); S3 itself keeps the key as is.
            let listed = name.contains("//") ? prefix + name.replacingOccurrences(of: "///", with: "/")
                .replacingOccurrences(of: "//", with: "/") : key
            XCTAssertTrue(try client.listAllObjects(bucket: bucket, prefix: prefix).contains { $0.key == listed }, key)
        }
        let victim = prefix + names[1]
        try client.deleteObject(bucket: bucket, key: victim)
        try client.deleteObject(bucket: bucket, key: victim) // deleting what is gone succeeds
        XCTAssertThrowsError(try client.headObject(bucket: bucket, key: victim)) { error in
            XCTAssertEqual((error as? S3Error)?.code, .noSuchKey, "\(error)")
        }
        XCTAssertThrowsError(try client.getObject(bucket: bucket, key: victim) { _ in XCTFail("no body for a missing key") }) {
            let error = $0 as? S3Error
            XCTAssertEqual(error?.code, .noSuchKey, "\($0)")
            XCTAssertEqual(error?.status, 404)
        }
    }

    func testStreamedGetRangeAndIfNoneMatch() throws {
        let key = prefix + "big.bin"
        let body = LiveS3.randomBytes(3 << 20 + 123)
        let eTag = try client.putObject(bucket: bucket, key: key, body: body, contentType: "application/octet-stream")

        var chunks = 0
        var received = 0
        var collected: [UInt8] = [] // only to compare; the client itself never holds the whole body
        var headersSeenFirst = false
        let head = try client.getObject(bucket: bucket, key: key, onHeaders: { head in
            headersSeenFirst = received == 0
            XCTAssertEqual(head.contentLength, Int64(body.count))
        }, onData: { buffer in
            chunks += 1
            received += buffer.count
            collected.append(contentsOf: buffer)
        })
        XCTAssertTrue(headersSeenFirst)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(received, body.count)
        XCTAssertGreaterThan(chunks, 1, "the body arrives in pieces, not as one buffer")
        XCTAssertEqual(SHA256.hash(collected), SHA256.hash(body))
        XCTAssertEqual(head.eTag, eTag)
        XCTAssertEqual(head.contentType, "application/octet-stream")

        let ranged = try client.getObjectBytes(bucket: bucket, key: key, range: "bytes=10-19")
        XCTAssertEqual(ranged.head.status, 206)
        XCTAssertEqual(ranged.head.contentRange, "bytes 10-19/\(body.count)")
        XCTAssertEqual(ranged.head.objectSize, Int64(body.count))
        XCTAssertEqual(ranged.body, Array(body[10...19]))
        let suffix = try client.getObjectBytes(bucket: bucket, key: key, range: "bytes=-5")
        XCTAssertEqual(suffix.body, Array(body.suffix(5)))

        var notModifiedBytes = 0
        let notModified = try client.getObject(bucket: bucket, key: key, ifNoneMatch: eTag) { notModifiedBytes += $0.count }
        XCTAssertEqual(notModified.status, 304)
        XCTAssertEqual(notModifiedBytes, 0)
        let modified = try client.getObject(bucket: bucket, key: key, ifNoneMatch: "\"0000\"") { _ in }
        XCTAssertEqual(modified.status, 200)

        XCTAssertThrowsError(try client.getObject(bucket: bucket, key: key, range: "bytes=\(body.count + 10)-") { _ in }) {
            XCTAssertEqual(($0 as? S3Error)?.status, 416, "\($0)")
        }
    }

    func testSinkErrorStopsTheTransferAndIsRethrown() throws {
        struct ClientWentAway: Error {}
        let key = prefix + "abort.bin"
        try client.putObject(bucket: bucket, key: key, body: LiveS3.randomBytes(2 << 20), contentType: "application/octet-stream")
        var calls = 0
        XCTAssertThrowsError(try client.getObject(bucket: bucket, key: key) { _ in
            calls += 1
            throw ClientWentAway()
        }) { XCTAssertTrue($0 is ClientWentAway, "\($0)") }
        XCTAssertEqual(calls, 1, "no retry once bytes were handed out")
        // The handle is still good afterwards.
        XCTAssertEqual(try client.headObject(bucket: bucket, key: key).contentLength, 2 << 20)
    }

    func testPutFromFileStreams() throws {
        let key = prefix + "from file.bin"
        let body = LiveS3.randomBytes(5 << 20 + 7)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("s3-live-\(UUID().uuidString)").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(body)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let eTag = try client.putObject(bucket: bucket, key: key, file: path, contentType: "video/mp4",
                                        metadata: ["source": "file"])
        XCTAssertNotNil(eTag)
        let (head, bytes) = try client.getObjectBytes(bucket: bucket, key: key)
        XCTAssertEqual(head.contentType, "video/mp4")
        XCTAssertEqual(head.metadata["source"], "file")
        XCTAssertEqual(SHA256.hash(bytes), SHA256.hash(body))

        let empty = path + ".empty"
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: empty) }
        try client.putObject(bucket: bucket, key: prefix + "empty", file: empty, contentType: "text/plain")
        XCTAssertEqual(try client.headObject(bucket: bucket, key: prefix + "empty").contentLength, 0)

        XCTAssertThrowsError(try client.putObject(bucket: bucket, key: key, file: path + ".missing", contentType: "a/b")) {
            guard case .fileUnreadable? = $0 as? S3ClientError else { return XCTFail("\($0)") }
        }
    }

    func testCopyObject() throws {
        let source = prefix + "source (1).jpg"
        let body = LiveS3.randomBytes(1000)
        try client.putObject(bucket: bucket, key: source, body: body, contentType: "image/jpeg", metadata: ["a": "1"])
        let copy = prefix + "copies/ü copy.jpg"
        XCTAssertNotNil(try client.copyObject(sourceBucket: bucket, sourceKey: source, bucket: bucket, key: copy))
        let copied = try client.getObjectBytes(bucket: bucket, key: copy)
        XCTAssertTrue(copied.body == body, "copy has other bytes")
        XCTAssertEqual(copied.head.contentType, "image/jpeg")

        let replaced = prefix + "copies/replaced.jpg"
        try client.copyObject(sourceBucket: bucket, sourceKey: source, bucket: bucket, key: replaced,
                              replacing: (contentType: "image/webp", cacheControl: "private", metadata: ["b": "2"]))
        let head = try client.headObject(bucket: bucket, key: replaced)
        XCTAssertEqual(head.contentType, "image/webp")
        XCTAssertEqual(head.cacheControl, "private")

        XCTAssertThrowsError(try client.copyObject(sourceBucket: bucket, sourceKey: prefix + "missing", bucket: bucket,
                                                   key: prefix + "never")) {
            XCTAssertEqual(($0 as? S3Error)?.code, .noSuchKey, "\($0)")
        }
    }

    // MARK: Listing and batch delete

    func testListObjectsV2PagesWithContinuationTokens() throws {
        let keys = (0..<7).map { prefix + "list/item-\($0).txt" } + [prefix + "list/sub/deeper.txt"]
        for key in keys { try client.putObject(bucket: bucket, key: key, body: Array(key.utf8), contentType: "text/plain") }

        var seen: [String] = []
        var token: String?
        var pages = 0
        repeat {
            let page = try client.listObjectsV2(bucket: bucket, prefix: prefix + "list/", continuationToken: token, maxKeys: 3)
            XCTAssertLessThanOrEqual(page.objects.count, 3)
            seen += page.objects.map(\.key)
            token = page.isTruncated ? page.nextContinuationToken : nil
            if page.isTruncated { XCTAssertNotNil(page.nextContinuationToken) }
            pages += 1
        } while token != nil && pages < 10
        XCTAssertEqual(pages, 3)
        XCTAssertEqual(seen, keys.sorted())
        XCTAssertEqual(try client.listAllObjects(bucket: bucket, prefix: prefix + "list/").map(\.key), keys.sorted())
        let sizes = try client.listAllObjects(bucket: bucket, prefix: prefix + "list/item-0").map(\.size)
        XCTAssertEqual(sizes, [Int64(keys[0].utf8.count)])

        let folders = try client.listObjectsV2(bucket: bucket, prefix: prefix + "list/", delimiter: "/")
        XCTAssertEqual(folders.commonPrefixes, [prefix + "list/sub/"])
        XCTAssertEqual(folders.objects.count, 7)
        XCTAssertTrue(try client.listObjectsV2(bucket: bucket, prefix: prefix + "nothing/").objects.isEmpty)
    }

    func testDeleteObjectsInBatchesOfAThousand() throws {
        let real = (0..<5).map { prefix + "batch/\($0) (x).txt" } + [prefix + "batch/ü&<>.txt"]
        for key in real { try client.putObject(bucket: bucket, key: key, body: [1, 2, 3], contentType: "text/plain") }
        // 1,205 keys: two requests. S3 reports keys that did not exist as deleted too.
        let keys = real + (0..<1199).map { prefix + "batch/absent-\($0)" }
        let deleted = try client.deleteObjects(bucket: bucket, keys: keys)
        XCTAssertEqual(deleted, keys.count)
        XCTAssertTrue(try client.listAllObjects(bucket: bucket, prefix: prefix + "batch/").isEmpty)
        XCTAssertEqual(try client.deleteObjects(bucket: bucket, keys: []), 0)

        for key in real { try client.putObject(bucket: bucket, key: key, body: [1], contentType: "text/plain") }
        XCTAssertEqual(try client.deletePrefix(bucket: bucket, prefix: prefix + "batch/"), real.count)
        XCTAssertTrue(try client.listAllObjects(bucket: bucket, prefix: prefix + "batch/").isEmpty)
    }

    // MARK: Presigned URLs, performed by another HTTP client (URLSession)

    func testPresignedPutThenGet() async throws {
        let key = prefix + "presigned/my photo (1) ü.png"
        let body = LiveS3.randomBytes(4096)
        let putURL = try client.presignedURL(method: .put, bucket: bucket, key: key, expires: 300, headers: [("Content-Type", "image/png")])
        let put = try await Self.send("PUT", putURL, body: body, contentType: "image/png")
        XCTAssertEqual(put.status, 200, String(decoding: put.body, as: UTF8.self))
        XCTAssertEqual(try client.headObject(bucket: bucket, key: key).contentType, "image/png")

        let getURL = try client.presignedURL(method: .get, bucket: bucket, key: key, expires: 300)
        let get = try await Self.send("GET", getURL)
        XCTAssertEqual(get.status, 200)
        XCTAssertTrue(get.body == body, "presigned GET returned other bytes")
    }

    func testTamperedPresignedURLIsRefused() async throws {
        let key = prefix + "presigned/tamper.txt"
        try client.putObject(bucket: bucket, key: key, body: Array("secret".utf8), contentType: "text/plain")
        let url = try client.presignedURL(method: .get, bucket: bucket, key: key, expires: 300)
        let original = try await Self.send("GET", url)
        XCTAssertEqual(original.status, 200)
        var tampered = url
        let last = tampered.removeLast()
        tampered.append(last == "0" ? "1" : "0")
        let refused = try await Self.send("GET", tampered)
        XCTAssertEqual(refused.status, 403)
        // Another key under the same signature.
        let otherKey = url.replacingOccurrences(of: "tamper.txt", with: "tamper.txu")
        let moved = try await Self.send("GET", otherKey)
        XCTAssertEqual(moved.status, 403)
    }

    func testExpiredPresignedURLIsRefused() async throws {
        let key = prefix + "presigned/expiring.txt"
        try client.putObject(bucket: bucket, key: key, body: Array("soon gone".utf8), contentType: "text/plain")
        let url = try client.presignedURL(method: .get, bucket: bucket, key: key, expires: 1)
        try await Task.sleep(nanoseconds: 2_100_000_000)
        let response = try await Self.send("GET", url)
        XCTAssertEqual(response.status, 403, String(decoding: response.body, as: UTF8.self))
    }

    func testPresignedPutWithAnotherContentTypeIsRefused() async throws {
        let key = prefix + "presigned/typed.png"
        let url = try client.presignedURL(method: .put, bucket: bucket, key: key, expires: 300, headers: [("Content-Type", "image/png")])
        let wrong = try await Self.send("PUT", url, body: [1, 2, 3], contentType: "text/html")
        XCTAssertEqual(wrong.status, 403, String(decoding: wrong.body, as: UTF8.self))
        XCTAssertThrowsError(try client.headObject(bucket: bucket, key: key))
        let right = try await Self.send("PUT", url, body: [1, 2, 3], contentType: "image/png")
        XCTAssertEqual(right.status, 200)
    }

    func testPresignedPutCreatesOnceWithTheSignedLength() async throws {
        let key = prefix + "presigned/once.bin"
        let headers: [(name: String, value: String)] = [("Content-Type", "application/octet-stream"), ("If-None-Match", "*"),
                                                       ("Content-Length", "3")]
        let url = try client.presignedURL(method: .put, bucket: bucket, key: key, expires: 300, headers: headers)
        let longer = try await Self.send("PUT", url, body: [1, 2, 3, 4], headers: headers.filter { $0.name != "Content-Length" })
        XCTAssertEqual(longer.status, 403, "the length is signed")
        let first = try await Self.send("PUT", url, body: [1, 2, 3], headers: headers.filter { $0.name != "Content-Length" })
        XCTAssertEqual(first.status, 200, String(decoding: first.body, as: UTF8.self))
        let again = try await Self.send("PUT", url, body: [7, 7, 7], headers: headers.filter { $0.name != "Content-Length" })
        XCTAssertEqual(again.status, 412, "If-None-Match: * lets the URL create the object once")
        XCTAssertEqual(try client.getObjectBytes(bucket: bucket, key: key).body, [1, 2, 3])
    }

    // MARK: Failures: typed, and retried only when it can help

    func testWrongSecretIsASignatureErrorAndNotRetried() throws {
        var (configuration, _) = try LiveS3.setUp(self)
        configuration.credentials.secretAccessKey += "x"
        configuration.retryBaseDelay = 1 // a retry would show in the elapsed time
        let bad = try S3Client(configuration: configuration)
        let started = Date()
        XCTAssertThrowsError(try bad.headObject(bucket: bucket, key: prefix + "x")) {
            XCTAssertEqual(($0 as? S3Error)?.status, 403, "\($0)")
        }
        XCTAssertThrowsError(try bad.listObjectsV2(bucket: bucket, prefix: prefix)) {
            XCTAssertEqual(($0 as? S3Error)?.code, .signatureDoesNotMatch, "\($0)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.0, "4xx answers are not retried")
    }

    func testUnreachableStoreIsATransportError() throws {
        var (configuration, _) = try LiveS3.setUp(self, maxAttempts: 2)
        configuration.endpoint = "http://127.0.0.1:1"
        configuration.retryBaseDelay = 0.01
        let unreachable = try S3Client(configuration: configuration)
        XCTAssertThrowsError(try unreachable.headBucket(bucket)) {
            XCTAssertEqual(($0 as? S3TransportError)?.kind, .unreachable, "\($0)")
        }
    }

    func testSilentServerTimesOutAndIsRetried() throws {
        // A socket that accepts connections (via the kernel backlog) but never answers.
        let listener = try SilentListener()
        var (configuration, _) = try LiveS3.setUp(self, maxAttempts: 2)
        configuration.endpoint = "http://127.0.0.1:\(listener.port)"
        configuration.requestTimeout = 0.4
        configuration.retryBaseDelay = 0.01
        let silent = try S3Client(configuration: configuration)
        let started = Date()
        XCTAssertThrowsError(try silent.headObject(bucket: bucket, key: "k")) {
            XCTAssertEqual(($0 as? S3TransportError)?.kind, .timeout, "\($0)")
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.8, "two attempts of 0.4 s")
    }

    // MARK: Helpers

    static func send(_ method: String, _ url: String, body: [UInt8]? = nil, contentType: String? = nil,
                     headers: [(name: String, value: String)] = []) async throws -> (status: Int, body: [UInt8]) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        for header in headers { request.setValue(header.value, forHTTPHeaderField: header.name) }
        if let body { request.httpBody = Data(body) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, Array(data))
    }
}

/// A TCP listener on 127.0.0.1 that never accepts nor answers.
final class SilentListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { close(fd); throw POSIXError(.EADDRNOTAVAIL) }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
