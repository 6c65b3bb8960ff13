/// One S3 call as an observer sees it (`S3Client.observer`).
public struct S3CallRecord {
    /// The S3 API name: GetObject, PutObject, ListObjectsV2, DeleteObjects, ...
    public let operation: String
    /// Wall time of the call, retries and backoff included.
    public let seconds: Double
    /// Nil on success.
    public let error: Error?

    /// `4xx`/`5xx` for answers of S3, `transport` when it could not be reached, `client`
    /// for input refused before sending, `caller` for an error a caller's closure threw.
    public var errorKind: String? {
        switch error {
        case nil: nil
        case let error as S3Error: "\(error.status / 100)xx"
        case is S3TransportError: "transport"
        case is S3ClientError: "client"
        default: "caller"
        }
    }
}

extension S3Client.Request {
    var operationName: String {
        let hasKey = key != nil
        switch method {
        case "GET":
            if query.contains(where: { $0.name == "uploadId" }) { return "ListParts" }
            if query.contains(where: { $0.name == "uploads" }) { return "ListMultipartUploads" }
            return hasKey ? "GetObject" : "ListObjectsV2"
        case "HEAD": return hasKey ? "HeadObject" : "HeadBucket"
        case "PUT":
            guard hasKey else { return "CreateBucket" }
            if query.contains(where: { $0.name == "partNumber" }) { return "UploadPart" }
            return headers.contains { $0.name == "x-amz-copy-source" } ? "CopyObject" : "PutObject"
        case "DELETE":
            if query.contains(where: { $0.name == "uploadId" }) { return "AbortMultipartUpload" }
            return hasKey ? "DeleteObject" : "DeleteBucket"
        case "POST":
            if query.contains(where: { $0.name == "uploads" }) { return "CreateMultipartUpload" }
            if query.contains(where: { $0.name == "uploadId" }) { return "CompleteMultipartUpload" }
            return query.contains { $0.name == "delete" } ? "DeleteObjects" : "Post"
        default: return method
        }
    }
}
