import Foundation
import Hashing

extension S3Client {
    /// One page of keys (up to `maxKeys`, S3 caps it at 1000), in key order.
    public func listObjectsV2(bucket: String, prefix: String? = nil, delimiter: String? = nil,
                              continuationToken: String? = nil, maxKeys: Int? = nil) throws -> S3ListObjectsV2Page {
        var request = Request(method: "GET", bucket: bucket)
        request.query = [("list-type", "2")]
        if let prefix, !prefix.isEmpty { request.query.append(("prefix", prefix)) }
        if let delimiter { request.query.append(("delimiter", delimiter)) }
        if let continuationToken { request.query.append(("continuation-token", continuationToken)) }
        if let maxKeys { request.query.append(("max-keys", String(maxKeys))) }
        let response = try send(request)
        guard let page = Self.parseListPage(response.body) else {
            throw S3Error(code: .malformedResponse, status: response.status, message: "unreadable ListBucketResult",
                          requestId: response.headers["x-amz-request-id"])
        }
        return page
    }

    /// Every object under `prefix`, following continuation tokens page by page.
    public func listAllObjects(bucket: String, prefix: String? = nil) throws -> [S3ObjectSummary] {
        var objects: [S3ObjectSummary] = []
        var token: String?
        repeat {
            let page = try listObjectsV2(bucket: bucket, prefix: prefix, continuationToken: token)
            objects += page.objects
            token = page.isTruncated ? page.nextContinuationToken : nil
        } while token != nil
        return objects
    }

    /// Deletes `keys` with DeleteObjects, 1000 per request (S3's limit), each request carrying
    /// the Content-MD5 S3 requires for it.
    /// - Returns: how many keys S3 reported deleted (S3 reports keys that did not exist too).
    /// - Throws: after all batches were tried, the first per-key `S3Error` if any key failed.
    @discardableResult
    public func deleteObjects(bucket: String, keys: [String]) throws -> Int {
        var deleted = 0
        var firstFailure: S3Error?
        var failures = 0
        var start = keys.startIndex
        while start < keys.endIndex {
            let end = min(start + 1000, keys.endIndex)
            let result = try deleteBatch(bucket: bucket, keys: keys[start..<end])
            deleted += result.deleted
            failures += result.errors.count
            if firstFailure == nil { firstFailure = result.errors.first }
            start = end
        }
        if var failure = firstFailure {
            failure.message += " (\(failures) of \(keys.count) keys not deleted)"
            throw failure
        }
        return deleted
    }

    /// Lists and deletes everything under `prefix`; returns how many objects were removed.
    @discardableResult
    public func deletePrefix(bucket: String, prefix: String) throws -> Int {
        guard !prefix.isEmpty else { throw S3ClientError.emptyKey } // never empty a whole bucket by accident
        return try deleteObjects(bucket: bucket, keys: listAllObjects(bucket: bucket, prefix: prefix).map(\.key))
    }

    private func deleteBatch(bucket: String, keys: ArraySlice<String>) throws -> (deleted: Int, errors: [S3Error]) {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for key in keys {
            guard !key.isEmpty else { throw S3ClientError.emptyKey }
            xml += "<Object><Key>\(S3XML.escape(key))</Key></Object>"
        }
        xml += "</Delete>"
        let body = Array(xml.utf8)
        var request = Request(method: "POST", bucket: bucket)
        request.query = [("delete", "")]
        request.headers = [("content-md5", ContentMD5.base64(body)), ("content-type", "application/xml")]
        request.body = .bytes(body)
        request.payloadHash = SHA256.hash(body).hexString
        let response = try send(request)
        return try Self.parseDeleteResult(response.body, status: response.status,
                                          requestId: response.headers["x-amz-request-id"])
    }

    /// Counts `<Deleted>` entries and turns each `<Error>` entry into an `S3Error` about its key.
    static func parseDeleteResult(_ body: [UInt8], status: Int, requestId: String?) throws -> (deleted: Int, errors: [S3Error]) {
        guard let root = S3XML.parse(body), root.name == "DeleteResult" else {
            if let error = S3Error.parse(xml: body, status: status, requestId: requestId) { throw error }
            throw S3Error(code: .malformedResponse, status: status, message: "unreadable DeleteResult", requestId: requestId)
        }
        let errors = root.children("Error").map {
            S3Error(code: S3Error.Code(rawValue: $0.value("Code") ?? "Unknown"), status: status,
                    message: $0.value("Message") ?? "", requestId: requestId, resource: $0.value("Key"))
        }
        return (root.children("Deleted").count, errors)
    }

    static func parseListPage(_ body: [UInt8]) -> S3ListObjectsV2Page? {
        guard let root = S3XML.parse(body), root.name == "ListBucketResult" else { return nil }
        var objects: [S3ObjectSummary] = []
        for entry in root.children("Contents") {
            guard let key = entry.value("Key") else { return nil }
            objects.append(S3ObjectSummary(key: key, size: Int64(entry.value("Size") ?? "") ?? 0,
                                           eTag: entry.value("ETag"), lastModified: entry.value("LastModified")))
        }
        let prefixes = root.children("CommonPrefixes").compactMap { $0.value("Prefix") }
        let token = root.value("NextContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
        return S3ListObjectsV2Page(objects: objects, commonPrefixes: prefixes,
                                   isTruncated: root.value("IsTruncated") == "true", nextContinuationToken: token)
    }
}
