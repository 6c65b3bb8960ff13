import Foundation

/// The HTTP method a presigned URL is for.
public enum S3PresignMethod: String, Sendable {
    case get = "GET"
    case put = "PUT"
}

/// Makes presigned URLs; pure computation, no connection (usable without an `S3Client`).
public struct S3Presigner: Sendable {
    let endpoint: S3Endpoint
    let signer: SigV4Signer

    public init(configuration: S3Configuration) throws {
        endpoint = try S3Endpoint(configuration.endpoint, region: configuration.region,
                                  forcePathStyle: configuration.forcePathStyle)
        signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
    }

    /// A URL that allows one `method` on `bucket`/`key` until `now + expires`.
    ///
    /// For PUT, `headers` (such as `Content-Type`, `Content-Length`, `If-None-Match: *`) are
    /// signed: the uploader must send exactly those values or S3 refuses the request (403).
    /// - Parameters:
    ///   - expires: lifetime in seconds, 1 ... 604800 (7 days).
    ///   - query: the operation's own query parameters, signed with the rest (`partNumber` and
    ///     `uploadId` for a multipart upload's part).
    ///   - responseOverrides: signed query parameters such as `response-content-disposition`
    ///     or `response-content-type`: S3 then answers the GET with those header values.
    ///   - now: the signing time (inject a fixed one in tests).
    /// - Throws: `S3ClientError` for an expiry out of range, an empty key or a bad bucket name.
    public func presignedURL(method: S3PresignMethod, bucket: String, key: String, expires: Int,
                             headers: [(name: String, value: String)] = [], query: [(name: String, value: String)] = [],
                             responseOverrides: [(name: String, value: String)] = [],
                             now: Date = Date()) throws -> String {
        guard !key.isEmpty else { throw S3ClientError.emptyKey }
        guard S3Endpoint.isValidBucketName(bucket) else { throw S3ClientError.invalidBucketName(bucket) }
        let target = endpoint.target(bucket: bucket, key: key)
        let signed = method == .put ? headers.map { (name: $0.name.lowercased(), value: $0.value) } : []
        let query = try signer.presignedQuery(method: method.rawValue, host: target.host, path: target.path,
                                              query: query + responseOverrides, signedHeaders: signed, expires: expires, date: now)
        return target.url(query: query)
    }
}
