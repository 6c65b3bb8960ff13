import Foundation
import Hashing

/// One part of a multipart upload as S3 knows it.
public struct S3UploadedPart: Sendable, Equatable {
    public var partNumber: Int
    /// Quoted, as S3 sends it.
    public var etag: String
    public var size: Int64

    public init(partNumber: Int, etag: String, size: Int64 = 0) { (self.partNumber, self.etag, self.size) = (partNumber, etag, size) }
}

/// A multipart upload in progress (ListMultipartUploads).
public struct S3MultipartUpload: Sendable, Equatable {
    public var key: String
    public var uploadId: String
    public var initiated: String?
}

/// S3 multipart uploads: parts of 5 MiB at least (all but the last), at most 10,000 of them,
/// assembled by CompleteMultipartUpload into one object.
extension S3Client {
    /// Starts a multipart upload of `key`; its upload id.
    public func createMultipartUpload(bucket: String, key: String, contentType: String, cacheControl: String? = nil) throws -> String {
        let response = try send(Self.createMultipartRequest(bucket: bucket, key: key, contentType: contentType, cacheControl: cacheControl))
        guard let uploadId = S3XML.parse(response.body)?.value("UploadId"), !uploadId.isEmpty else {
            throw S3Error(code: .malformedResponse, status: response.status, message: "unreadable InitiateMultipartUploadResult",
                          requestId: response.headers["x-amz-request-id"])
        }
        return uploadId
    }

    /// Streams the file at `path` as part `partNumber` (1...10000); its ETag. Sending a part
    /// number again replaces that part.
    public func uploadPart(bucket: String, key: String, uploadId: String, partNumber: Int, file path: String) throws -> String {
        var request = Self.partRequest(bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber)
        request.body = .file(path: path)
        request.payloadHash = SigV4Signer.unsignedPayload
        return try etag(of: send(request))
    }

    /// Part `partNumber` from memory (its SHA-256 signed).
    public func uploadPart(bucket: String, key: String, uploadId: String, partNumber: Int, body: [UInt8]) throws -> String {
        var request = Self.partRequest(bucket: bucket, key: key, uploadId: uploadId, partNumber: partNumber)
        request.body = .bytes(body)
        request.payloadHash = SHA256.hash(body).hexString
        return try etag(of: send(request))
    }

    /// Assembles `parts` (in part-number order) into the object.
    public func completeMultipartUpload(bucket: String, key: String, uploadId: String, parts: [S3UploadedPart]) throws {
        let response = try send(Self.completeMultipartRequest(bucket: bucket, key: key, uploadId: uploadId, parts: parts))
        // S3 may report a failed assembly inside a 200 answer (as with CopyObject).
        if let error = S3Error.parse(xml: response.body, status: response.status, requestId: response.headers["x-amz-request-id"]) {
            throw error
        }
    }

    /// Discards the upload and its parts. An upload already gone (completed or aborted) is done.
    public func abortMultipartUpload(bucket: String, key: String, uploadId: String) throws {
        var request = Request(method: "DELETE", bucket: bucket, key: key)
        request.query = [("uploadId", uploadId)]
        do {
            _ = try send(request)
        } catch let error as S3Error where error.code == .noSuchUpload {
            return
        }
    }

    /// The parts S3 holds for the upload, in part-number order (following pages).
    public func listParts(bucket: String, key: String, uploadId: String) throws -> [S3UploadedPart] {
        var parts: [S3UploadedPart] = []
        var marker: String?
        repeat {
            var request = Request(method: "GET", bucket: bucket, key: key)
            request.query = [("uploadId", uploadId)]
            if let marker { request.query.append(("part-number-marker", marker)) }
            let response = try send(request)
            guard let root = S3XML.parse(response.body) else {
                throw S3Error(code: .malformedResponse, status: response.status, message: "unreadable ListPartsResult",
                              requestId: response.headers["x-amz-request-id"])
            }
            parts += root.children("Part").compactMap { part in
                guard let number = part.value("PartNumber").flatMap(Int.init), let etag = part.value("ETag") else { return nil }
                return S3UploadedPart(partNumber: number, etag: etag, size: part.value("Size").flatMap(Int64.init) ?? 0)
            }
            marker = root.value("IsTruncated") == "true" ? root.value("NextPartNumberMarker") : nil
        } while marker != nil
        return parts.sorted { $0.partNumber < $1.partNumber }
    }

    /// The multipart uploads in progress under `prefix` (every page).
    public func listMultipartUploads(bucket: String, prefix: String) throws -> [S3MultipartUpload] {
        var uploads: [S3MultipartUpload] = []
        var markers: (key: String, uploadId: String)?
        repeat {
            var request = Request(method: "GET", bucket: bucket)
            request.query = [("uploads", ""), ("prefix", prefix)]
            if let markers { request.query += [("key-marker", markers.key), ("upload-id-marker", markers.uploadId)] }
            let response = try send(request)
            guard let root = S3XML.parse(response.body) else {
                throw S3Error(code: .malformedResponse, status: response.status, message: "unreadable ListMultipartUploadsResult",
                              requestId: response.headers["x-amz-request-id"])
            }
            uploads += root.children("Upload").compactMap { upload in
                guard let key = upload.value("Key"), let id = upload.value("UploadId") else { return nil }
                return S3MultipartUpload(key: key, uploadId: id, initiated: upload.value("Initiated"))
            }
            if root.value("IsTruncated") == "true", let key = root.value("NextKeyMarker"), let id = root.value("NextUploadIdMarker") {
                markers = (key, id)
            } else {
                markers = nil
            }
        } while markers != nil
        return uploads
    }

    // MARK: Requests (static, so the signing tests build the same ones)

    static func createMultipartRequest(bucket: String, key: String, contentType: String, cacheControl: String?) -> Request {
        var request = Request(method: "POST", bucket: bucket, key: key)
        request.query = [("uploads", "")]
        request.headers = objectHeaders(contentType: contentType, cacheControl: cacheControl, metadata: nil)
        return request
    }

    static func partRequest(bucket: String, key: String, uploadId: String, partNumber: Int) -> Request {
        var request = Request(method: "PUT", bucket: bucket, key: key)
        request.query = [("partNumber", String(partNumber)), ("uploadId", uploadId)]
        return request
    }

    static func completeMultipartRequest(bucket: String, key: String, uploadId: String, parts: [S3UploadedPart]) -> Request {
        var request = Request(method: "POST", bucket: bucket, key: key)
        request.query = [("uploadId", uploadId)]
        var xml = "<CompleteMultipartUpload>"
        for part in parts.sorted(by: { $0.partNumber < $1.partNumber }) {
            xml += "<Part><PartNumber>\(part.partNumber)</PartNumber><ETag>\(S3XML.escape(part.etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let body = Array(xml.utf8)
        request.headers = [("content-type", "application/xml")]
        request.body = .bytes(body)
        request.payloadHash = SHA256.hash(body).hexString
        return request
    }

    private func etag(of response: Response) throws -> String {
        guard let etag = response.headers["etag"], !etag.isEmpty else {
            throw S3Error(code: .malformedResponse, status: response.status, message: "UploadPart answered without an ETag",
                          requestId: response.headers["x-amz-request-id"])
        }
        return etag
    }
}
