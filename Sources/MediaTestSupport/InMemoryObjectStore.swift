import Foundation
import MediaApp
import MediaCore
import S3

/// An object store in memory, for the operations' unit tests: it keeps what was written with
/// its headers, and fails on demand the way S3 does (a 503 that survived the client's retries).
public final class InMemoryObjectStore: ObjectStorage {
    public struct Object: Equatable {
        public var bytes: [UInt8]
        public var contentType: String
        public var cacheControl: String
    }

    /// bucket → key → object
    public private(set) var buckets: [String: [String: Object]] = [:]
    /// Writes and copies that succeed before every later one fails (nil: never fail).
    public var writesBeforeFailure: Int?
    public var failsReads = false
    public var failsRemoves = false
    public private(set) var writes = 0
    /// Of those, server-side copies.
    public private(set) var copies = 0
    /// Runs after each successful write or copy (a test moves its clock here).
    public var afterEachWrite: () -> Void = {}

    public init() {}

    public static let outage = S3Error(code: "ServiceUnavailable", status: 503, message: "the store is down (test)")

    public func keys(in bucket: String, under prefix: String = "") -> [String] {
        (buckets[bucket] ?? [:]).keys.filter { $0.hasPrefix(prefix) }.sorted()
    }

    public func object(_ bucket: String, _ key: String) -> Object? { buckets[bucket]?[key] }

    public func place(_ bytes: [UInt8], bucket: String, key: String, contentType: String = "application/octet-stream") {
        buckets[bucket, default: [:]][key] = Object(bytes: bytes, contentType: contentType, cacheControl: "")
    }

    public func write(_ content: ObjectContent, bucket: String, key: String, contentType: String, cacheControl: String) throws {
        try countWrite()
        let bytes: [UInt8]
        switch content {
        case .bytes(let value): bytes = value
        case .file(let path): bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        buckets[bucket, default: [:]][key] = Object(bytes: bytes, contentType: contentType, cacheControl: cacheControl)
        afterEachWrite()
    }

    public func copy(key: String, from sourceBucket: String, sourceKey: String, to bucket: String, contentType: String,
                     cacheControl: String) throws {
        guard let source = buckets[sourceBucket]?[sourceKey] else { throw ObjectStorageError.notFound(bucket: sourceBucket, key: sourceKey) }
        try countWrite()
        copies += 1
        buckets[bucket, default: [:]][key] = Object(bytes: source.bytes, contentType: contentType, cacheControl: cacheControl)
        afterEachWrite()
    }

    public func read(bucket: String, key: String, _ onData: (UnsafeRawBufferPointer) throws -> Void) throws {
        if failsReads { throw Self.outage }
        guard let object = buckets[bucket]?[key] else { throw ObjectStorageError.notFound(bucket: bucket, key: key) }
        try object.bytes.withUnsafeBytes { try onData($0) }
    }

    public func remove(bucket: String, keys: [String]) throws {
        if failsRemoves { throw Self.outage }
        for key in keys { buckets[bucket]?[key] = nil }
    }

    public func removeAll(bucket: String, prefix: String) throws -> Int {
        let doomed = keys(in: bucket, under: prefix)
        try remove(bucket: bucket, keys: doomed)
        return doomed.count
    }

    public func presignedUpload(bucket: String, key: String, expires: Int, headers: [(name: String, value: String)],
                                now: Date) throws -> String {
        "https://s3.test/\(bucket)/\(key)?expires=\(expires)"
    }

    // MARK: Multipart

    /// multipart id → (bucket, key, part number → bytes)
    public private(set) var multipart: [String: (bucket: String, key: String, parts: [Int: [UInt8]])] = [:]
    public var failsMultipartCompletion = false
    /// Earlier copies of parts sent again, as SeaweedFS keeps (and lists) them until completion.
    public private(set) var replacedParts: [String: [Int: [[UInt8]]]] = [:]
    /// URLs signed for parts: multipart id, part number and the size signed.
    public private(set) var signedParts: [(multipartId: String, number: Int, size: Int)] = []

    public func read(bucket: String, key: String, length: Int, _ onData: (UnsafeRawBufferPointer) throws -> Void) throws {
        if failsReads { throw Self.outage }
        guard let object = buckets[bucket]?[key] else { throw ObjectStorageError.notFound(bucket: bucket, key: key) }
        try Array(object.bytes.prefix(length)).withUnsafeBytes { try onData($0) }
    }

    public func startMultipart(bucket: String, key: String, contentType: String) throws -> String {
        try countWrite()
        let id = "mp-\(multipart.count + 1)-\(UInt32.random(in: 0...UInt32.max))"
        multipart[id] = (bucket, key, [:])
        return id
    }

    public func storePart(bucket: String, key: String, multipartId: String, number: Int, _ content: ObjectContent) throws -> String {
        try countWrite()
        guard multipart[multipartId] != nil else { throw S3Error(code: .noSuchUpload, status: 404, message: "no such upload (test)") }
        let bytes: [UInt8]
        switch content {
        case .bytes(let value): bytes = value
        case .file(let path): bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        if let earlier = multipart[multipartId]!.parts[number] { replacedParts[multipartId, default: [:]][number, default: []].append(earlier) }
        multipart[multipartId]!.parts[number] = bytes
        afterEachWrite()
        return Self.etag(bytes)
    }

    public func finishMultipart(bucket: String, key: String, multipartId: String, parts: [ResumableUpload.Part]) throws {
        if failsMultipartCompletion { throw Self.outage }
        guard let upload = multipart[multipartId] else { throw S3Error(code: .noSuchUpload, status: 404, message: "no such upload (test)") }
        var bytes: [UInt8] = []
        for part in parts {
            let copies = (upload.parts[part.number].map { [$0] } ?? []) + (replacedParts[multipartId]?[part.number] ?? [])
            guard let stored = copies.first(where: { Self.etag($0) == part.etag }) else {
                throw S3Error(code: .invalidPart, status: 400, message: "part \(part.number) does not match (test)")
            }
            bytes += stored
        }
        buckets[bucket, default: [:]][key] = Object(bytes: bytes, contentType: "application/octet-stream", cacheControl: "")
        multipart[multipartId] = nil
        replacedParts[multipartId] = nil
    }

    public func abortMultipart(bucket: String, key: String, multipartId: String) throws {
        if failsRemoves { throw Self.outage }
        multipart[multipartId] = nil
        replacedParts[multipartId] = nil
    }

    public func presignedPart(bucket: String, key: String, multipartId: String, number: Int, size: Int, expires: Int,
                              now: Date) throws -> String {
        signedParts.append((multipartId, number, size))
        return "https://s3.test/\(bucket)/\(key)?partNumber=\(number)&uploadId=\(multipartId)&expires=\(expires)"
    }

    /// Every copy S3 holds, the current one and the ones replaced, as SeaweedFS lists them.
    public func listParts(bucket: String, key: String, multipartId: String) throws -> [ResumableUpload.Part] {
        if failsReads { throw Self.outage }
        guard let upload = multipart[multipartId] else { throw S3Error(code: .noSuchUpload, status: 404, message: "no such upload (test)") }
        return upload.parts.keys.sorted().flatMap { number in
            ([upload.parts[number]!] + (replacedParts[multipartId]?[number] ?? [])).map {
                ResumableUpload.Part(number: number, etag: Self.etag($0), size: $0.count)
            }
        }
    }

    /// A stand-in ETag: the bytes' length and a cheap sum, quoted as S3 quotes them.
    static func etag(_ bytes: [UInt8]) -> String {
        var sum: UInt64 = 1469598103934665603
        for byte in bytes { sum = (sum ^ UInt64(byte)) &* 1099511628211 }
        return "\"\(bytes.count)-\(String(sum, radix: 16))\""
    }

    private func countWrite() throws {
        if let limit = writesBeforeFailure, writes >= limit { throw Self.outage }
        writes += 1
    }
}
