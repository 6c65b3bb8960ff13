import Hashing

extension S3Client {
    /// Succeeds when the bucket exists and these credentials may use it; otherwise `S3Error`
    /// (NoSuchBucket 404, AccessDenied 403 — HEAD answers carry no body, so the code comes
    /// from the status) or `S3TransportError`. Cheap enough for a health check.
    public func headBucket(_ bucket: String) throws {
        _ = try send(Request(method: "HEAD", bucket: bucket))
    }

    /// Creates a bucket in the configured region. An existing one throws `S3Error`
    /// BucketAlreadyOwnedByYou or BucketAlreadyExists (409).
    public func createBucket(_ bucket: String) throws {
        var request = Request(method: "PUT", bucket: bucket)
        // us-east-1 is the default and must not be named; other regions must be.
        if configuration.region != "us-east-1" {
            let body = Array(("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<LocationConstraint>\(S3XML.escape(configuration.region))</LocationConstraint>"
                + "</CreateBucketConfiguration>").utf8)
            request.body = .bytes(body)
            request.payloadHash = SHA256.hash(body).hexString
        }
        _ = try send(request)
    }

    /// Deletes an empty bucket (S3 refuses a non-empty one with BucketNotEmpty, 409).
    public func deleteBucket(_ bucket: String) throws {
        _ = try send(Request(method: "DELETE", bucket: bucket))
    }
}
