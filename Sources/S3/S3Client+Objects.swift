import Foundation
import Hashing

extension S3Client {
    /// Stores `body` (held in memory) under `key`; the body's SHA-256 is signed.
    /// `metadata` becomes `x-amz-meta-<name>` headers: keep names and values ASCII (S3 does not
    /// round-trip other bytes reliably; percent-encode a UTF-8 filename, for instance).
    /// - Returns: the new object's ETag (quoted, as S3 sends it).
    @discardableResult
    public func putObject(bucket: String, key: String, body: [UInt8], contentType: String,
                          cacheControl: String? = nil, metadata: [String: String]? = nil) throws -> String? {
        try send(Self.putRequest(bucket: bucket, key: key, body: body, contentType: contentType,
                                 cacheControl: cacheControl, metadata: metadata)).headers["etag"]
    }

    /// Streams the file at `path` to `key` without loading it into memory.
    ///
    /// The length is known (the file's size, sent as Content-Length); the payload is sent as
    /// `UNSIGNED-PAYLOAD` rather than hashed first, which would read the file twice. The
    /// signature still covers the method, key and headers; TLS covers the bytes in transit.
    @discardableResult
    public func putObject(bucket: String, key: String, file path: String, contentType: String,
                          cacheControl: String? = nil, metadata: [String: String]? = nil) throws -> String? {
        var request = Request(method: "PUT", bucket: bucket, key: key)
        request.headers = Self.objectHeaders(contentType: contentType, cacheControl: cacheControl, metadata: metadata)
        request.body = .file(path: path)
        request.payloadHash = SigV4Signer.unsignedPayload
        return try send(request).headers["etag"]
    }

    /// Streams an object: `onHeaders` gets status and headers before the first byte, then
    /// `onData` gets the body in pieces as they arrive (each buffer is valid only during the
    /// call). The whole object is never held in memory.
    ///
    /// - Parameters:
    ///   - range: a `Range` header value such as `bytes=0-99` or `bytes=-500`; S3 answers 206,
    ///     or `S3Error` InvalidRange (416) when it cannot be satisfied.
    ///   - ifNoneMatch: an ETag (or `*`); a match gives status 304 and no body.
    /// - Returns: the same head `onHeaders` received (status 200, 206 or 304).
    /// - Throws: `S3Error` (NoSuchKey ...), `S3TransportError`, or whatever a closure threw.
    ///   Retries happen only before `onHeaders` ran.
    @discardableResult
    public func getObject(bucket: String, key: String, range: String? = nil, ifNoneMatch: String? = nil,
                          onHeaders: (S3ObjectHead) throws -> Void = { _ in },
                          onData: (UnsafeRawBufferPointer) throws -> Void) throws -> S3ObjectHead {
        let request = Self.getRequest(bucket: bucket, key: key, range: range, ifNoneMatch: ifNoneMatch)
        return try withoutActuallyEscaping(onHeaders) { onHeaders in
            try withoutActuallyEscaping(onData) { onData in
                let response = try send(request, stream: S3ResponseStream(onHeaders: onHeaders, onData: onData))
                return S3ObjectHead(status: response.status, headers: response.headers)
            }
        }
    }

    /// Reads a whole (small) object into memory: for probing uploads and tests, not for serving.
    public func getObjectBytes(bucket: String, key: String, range: String? = nil) throws -> (head: S3ObjectHead, body: [UInt8]) {
        var bytes: [UInt8] = []
        let head = try getObject(bucket: bucket, key: key, range: range) { bytes.append(contentsOf: $0) }
        return (head, bytes)
    }

    /// Status 200 and the object's headers. A missing object throws `S3Error` NoSuchKey (404).
    public func headObject(bucket: String, key: String) throws -> S3ObjectHead {
        let response = try send(Request(method: "HEAD", bucket: bucket, key: key))
        return S3ObjectHead(status: response.status, headers: response.headers)
    }

    /// Deletes one object. Deleting a key that does not exist succeeds (S3 answers 204 either way).
    public func deleteObject(bucket: String, key: String) throws {
        _ = try send(Request(method: "DELETE", bucket: bucket, key: key))
    }

    /// Server-side copy. With `replacing` metadata the copy gets those headers instead of the source's.
    /// - Returns: the copy's ETag.
    @discardableResult
    public func copyObject(sourceBucket: String, sourceKey: String, bucket: String, key: String,
                           replacing: (contentType: String, cacheControl: String?, metadata: [String: String]?)? = nil)
        throws -> String? {
        guard !sourceKey.isEmpty else { throw S3ClientError.emptyKey }
        var request = Request(method: "PUT", bucket: bucket, key: key)
        request.headers = [("x-amz-copy-source", S3URIEncoding.encode(sourceBucket) + "/" + S3URIEncoding.encodeKey(sourceKey))]
        if let replacing {
            request.headers.append(("x-amz-metadata-directive", "REPLACE"))
            request.headers += Self.objectHeaders(contentType: replacing.contentType, cacheControl: replacing.cacheControl,
                                                  metadata: replacing.metadata)
        }
        let response = try send(request)
        // S3 may report a failed copy inside a 200 answer.
        if let error = S3Error.parse(xml: response.body, status: response.status,
                                     requestId: response.headers["x-amz-request-id"]) {
            throw error
        }
        return S3XML.parse(response.body)?.value("ETag") ?? response.headers["etag"]
    }

    static func putRequest(bucket: String, key: String, body: [UInt8], contentType: String,
                           cacheControl: String?, metadata: [String: String]?) -> Request {
        var request = Request(method: "PUT", bucket: bucket, key: key)
        request.headers = objectHeaders(contentType: contentType, cacheControl: cacheControl, metadata: metadata)
        request.body = .bytes(body)
        request.payloadHash = SHA256.hash(body).hexString
        return request
    }

    static func getRequest(bucket: String, key: String, range: String?, ifNoneMatch: String?) -> Request {
        var request = Request(method: "GET", bucket: bucket, key: key)
        if let range { request.headers.append(("range", range)) }
        if let ifNoneMatch { request.headers.append(("if-none-match", ifNoneMatch)) }
        request.accepted = [200, 206, 304]
        return request
    }

    static func objectHeaders(contentType: String, cacheControl: String?, metadata: [String: String]?) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("content-type", contentType)]
        if let cacheControl { headers.append(("cache-control", cacheControl)) }
        for (name, value) in (metadata ?? [:]).sorted(by: { $0.key < $1.key }) {
            headers.append(("x-amz-meta-" + name.lowercased(), value))
        }
        return headers
    }
}
