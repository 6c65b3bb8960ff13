import MediaCore
import MediaHTTP
import S3

/// The response headers of a download, from what the database says of the object and what
/// S3's answer says of the bytes.
enum DownloadHeaders {
    /// Headers of every download answer, whatever serves the bytes (this service or nginx).
    static func common(_ target: DownloadTarget) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add("Content-Type", target.mimeType)
        headers.add("Cache-Control", ObjectWriteSession.cacheControl(isPrivate: target.isPrivate))
        headers.add("Content-Disposition", ContentDisposition.value(target.disposition, filename: target.filename))
        headers.add("Accept-Ranges", "bytes")
        // The bytes are the uploader's: never let a browser guess a type that can run script,
        // and give anything that is not shown inline no powers should it be opened anyway.
        headers.add("X-Content-Type-Options", "nosniff")
        if target.disposition == .attachment { headers.add("Content-Security-Policy", "default-src 'none'; sandbox") }
        return headers
    }

    /// For S3's 200/206 answer: the common headers plus length, range and validators.
    static func relayed(_ target: DownloadTarget, head: S3ObjectHead) -> HTTPHeaders {
        var headers = common(target)
        if let length = head.contentLength { headers.add("Content-Length", String(length)) }
        if head.status == 206, let range = head.contentRange { headers.add("Content-Range", range) }
        addValidators(head, to: &headers)
        return headers
    }

    /// For a 304: validators and caching only, no body headers (RFC 9110 §15.4.5).
    static func notModified(_ target: DownloadTarget, head: S3ObjectHead) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add("Cache-Control", ObjectWriteSession.cacheControl(isPrivate: target.isPrivate))
        addValidators(head, to: &headers)
        return headers
    }

    private static func addValidators(_ head: S3ObjectHead, to headers: inout HTTPHeaders) {
        if let etag = head.eTag { headers.add("ETag", etag) }
        if let modified = head.lastModified { headers.add("Last-Modified", modified) }
    }
}
