/// Status and headers of an object answer (GET, HEAD), before any body byte.
public struct S3ObjectHead: Sendable, Equatable {
    /// 200, 206 (a Range was served) or 304 (If-None-Match matched).
    public var status: Int
    /// Every response header, names lowercased (repeated headers joined with ", ").
    public var headers: [String: String]

    public init(status: Int, headers: [String: String]) {
        self.status = status
        self.headers = headers
    }

    /// Bytes in this answer's body (the range's length for a 206).
    public var contentLength: Int64? { headers["content-length"].flatMap { Int64($0) } }
    /// `bytes start-end/total` for a 206.
    public var contentRange: String? { headers["content-range"] }
    /// Quoted, as S3 sends it (`"d41d8…"`), ready to relay.
    public var eTag: String? { headers["etag"] }
    /// An HTTP-date, as S3 sends it, ready to relay.
    public var lastModified: String? { headers["last-modified"] }
    public var contentType: String? { headers["content-type"] }
    public var cacheControl: String? { headers["cache-control"] }
    /// The object's total size: from Content-Range for a 206, else Content-Length.
    public var objectSize: Int64? {
        if let range = contentRange, let slash = range.lastIndex(of: "/") {
            return Int64(range[range.index(after: slash)...])
        }
        return contentLength
    }
    /// User metadata (`x-amz-meta-*`), names without the prefix.
    public var metadata: [String: String] {
        var result: [String: String] = [:]
        for (name, value) in headers where name.hasPrefix("x-amz-meta-") {
            result[String(name.dropFirst("x-amz-meta-".count))] = value
        }
        return result
    }
    public var requestId: String? { headers["x-amz-request-id"] }
}
