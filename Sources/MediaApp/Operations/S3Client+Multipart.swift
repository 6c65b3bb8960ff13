import Foundation
import MediaCore
import S3

/// `S3Client`'s multipart calls as the operations' object store.
extension S3Client {
    public func read(bucket: String, key: String, length: Int, _ onData: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard length > 0 else { return }
        do {
            _ = try getObject(bucket: bucket, key: key, range: "bytes=0-\(length - 1)", onData: onData)
        } catch let error as S3Error where error.code == .noSuchKey {
            throw ObjectStorageError.notFound(bucket: bucket, key: key)
        }
    }

    public func startMultipart(bucket: String, key: String, contentType: String) throws -> String {
        try createMultipartUpload(bucket: bucket, key: key, contentType: contentType)
    }

    public func storePart(bucket: String, key: String, multipartId: String, number: Int, _ content: ObjectContent) throws -> String {
        switch content {
        case .file(let path): try uploadPart(bucket: bucket, key: key, uploadId: multipartId, partNumber: number, file: path)
        case .bytes(let bytes): try uploadPart(bucket: bucket, key: key, uploadId: multipartId, partNumber: number, body: bytes)
        }
    }

    public func finishMultipart(bucket: String, key: String, multipartId: String, parts: [ResumableUpload.Part]) throws {
        try completeMultipartUpload(bucket: bucket, key: key, uploadId: multipartId,
                                    parts: parts.map { S3UploadedPart(partNumber: $0.number, etag: $0.etag, size: Int64($0.size)) })
    }

    public func abortMultipart(bucket: String, key: String, multipartId: String) throws {
        try abortMultipartUpload(bucket: bucket, key: key, uploadId: multipartId)
    }

    public func presignedPart(bucket: String, key: String, multipartId: String, number: Int, size: Int, expires: Int,
                              now: Date) throws -> String {
        try presignedURL(method: .put, bucket: bucket, key: key, expires: expires, headers: [("Content-Length", String(size))],
                         query: [("partNumber", String(number)), ("uploadId", multipartId)], now: now)
    }

    public func listParts(bucket: String, key: String, multipartId: String) throws -> [ResumableUpload.Part] {
        try listParts(bucket: bucket, key: key, uploadId: multipartId).map {
            ResumableUpload.Part(number: $0.partNumber, etag: $0.etag, size: Int($0.size))
        }
    }
}
