import Foundation
import S3

/// `S3Client` as the operations' object store.
extension S3Client: ObjectStorage {
    public func write(_ content: ObjectContent, bucket: String, key: String, contentType: String, cacheControl: String) throws {
        switch content {
        case .file(let path): _ = try putObject(bucket: bucket, key: key, file: path, contentType: contentType, cacheControl: cacheControl)
        case .bytes(let bytes): _ = try putObject(bucket: bucket, key: key, body: bytes, contentType: contentType, cacheControl: cacheControl)
        }
    }

    public func copy(key: String, from sourceBucket: String, sourceKey: String, to bucket: String, contentType: String,
                     cacheControl: String) throws {
        _ = try copyObject(sourceBucket: sourceBucket, sourceKey: sourceKey, bucket: bucket, key: key,
                           replacing: (contentType: contentType, cacheControl: cacheControl, metadata: nil))
    }

    public func read(bucket: String, key: String, _ onData: (UnsafeRawBufferPointer) throws -> Void) throws {
        do {
            _ = try getObject(bucket: bucket, key: key, onData: onData)
        } catch let error as S3Error where error.code == .noSuchKey {
            throw ObjectStorageError.notFound(bucket: bucket, key: key)
        }
    }

    public func remove(bucket: String, keys: [String]) throws {
        guard !keys.isEmpty else { return }
        _ = try deleteObjects(bucket: bucket, keys: keys)
    }

    public func removeAll(bucket: String, prefix: String) throws -> Int {
        try deletePrefix(bucket: bucket, prefix: prefix)
    }

    public func presignedUpload(bucket: String, key: String, expires: Int, headers: [(name: String, value: String)],
                                now: Date) throws -> String {
        try presignedURL(method: .put, bucket: bucket, key: key, expires: expires, headers: headers, now: now)
    }
}
