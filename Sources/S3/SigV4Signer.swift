import Foundation
import Hashing

/// AWS Signature Version 4 for S3, in pure Swift over `Hashing`.
///
/// It signs what it is given and nothing else: the caller passes the exact host (with a
/// non-default port), the already encoded path (see `S3URIEncoding`), the query parameters
/// unencoded, and every header it will send that should be signed. The clock is a parameter
/// so tests can freeze it. S3 paths are not normalised (`a//b` and `./` stay as they are).
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// The `x-amz-content-sha256` value for a body that is not hashed (streamed uploads).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of the empty body.
    public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// Shortest and longest lifetimes S3 accepts for a presigned URL (1 s .. 7 days).
    public static let presignedExpiryRange = 1...604_800

    public let credentials: S3Credentials
    public let region: String
    public let service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    // MARK: Authorization header

    /// Signs a request in the `Authorization` header.
    ///
    /// - Parameters:
    ///   - headers: the headers to sign besides `host` (which is added from `host`); names in any case.
    ///   - payloadHash: lowercase hex SHA-256 of the body, or `unsignedPayload`.
    /// - Returns: the headers to add to the request, in this order: `x-amz-date`,
    ///   `x-amz-content-sha256`, `x-amz-security-token` (with a session token), `authorization`.
    public func authorizationHeaders(method: String, host: String, path: String,
                                     query: [(name: String, value: String)] = [],
                                     headers: [(name: String, value: String)] = [],
                                     payloadHash: String, date: Date) -> [(name: String, value: String)] {
        let time = SigV4Timestamp(date)
        var added: [(name: String, value: String)] = [("x-amz-date", time.amzDate), ("x-amz-content-sha256", payloadHash)]
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        let all = [("host", host)] + headers.map { ($0.name, $0.value) } + added.map { ($0.name, $0.value) }
        let canonical = Self.canonicalHeaders(all)
        let request = Self.canonicalRequest(method: method, path: path, canonicalQuery: Self.canonicalQuery(query),
                                            canonicalHeaders: canonical.block, signedHeaders: canonical.names,
                                            payloadHash: payloadHash)
        let signature = self.signature(stringToSign: stringToSign(canonicalRequest: request, time: time), time: time)
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope(time)), "
            + "SignedHeaders=\(canonical.names), Signature=\(signature)"
        added.append(("authorization", authorization))
        return added
    }

    // MARK: Presigned URLs

    /// The query string of a presigned URL (without the leading `?`).
    ///
    /// Parameters come in botocore's order: `query` first, then `X-Amz-Algorithm`,
    /// `-Credential`, `-Date`, `-Expires`, `-SignedHeaders`, `-Security-Token`, `-Signature`.
    /// `signedHeaders` (besides `host`) must then be sent with exactly these values.
    /// - Throws: `S3ClientError.expiresOutOfRange` unless `expires` is within 1 s ... 7 days.
    public func presignedQuery(method: String, host: String, path: String,
                               query: [(name: String, value: String)] = [],
                               signedHeaders: [(name: String, value: String)] = [],
                               expires: Int, date: Date) throws -> String {
        guard Self.presignedExpiryRange.contains(expires) else { throw S3ClientError.expiresOutOfRange(expires) }
        let time = SigV4Timestamp(date)
        let canonical = Self.canonicalHeaders([("host", host)] + signedHeaders.map { ($0.name, $0.value) })
        var authParameters: [(name: String, value: String)] = [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(time))"),
            ("X-Amz-Date", time.amzDate),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", canonical.names),
        ]
        if let token = credentials.sessionToken { authParameters.append(("X-Amz-Security-Token", token)) }
        let all = query + authParameters
        let request = Self.canonicalRequest(method: method, path: path, canonicalQuery: Self.canonicalQuery(all),
                                            canonicalHeaders: canonical.block, signedHeaders: canonical.names,
                                            payloadHash: Self.unsignedPayload)
        let signature = self.signature(stringToSign: stringToSign(canonicalRequest: request, time: time), time: time)
        let encoded = all.map { S3URIEncoding.encode($0.name) + "=" + S3URIEncoding.encode($0.value) }
        return (encoded + ["X-Amz-Signature=" + signature]).joined(separator: "&")
    }

    // MARK: Steps (internal so tests can check each one against the published examples)

    func scope(_ time: SigV4Timestamp) -> String {
        "\(time.dateStamp)/\(region)/\(service)/aws4_request"
    }

    /// Encodes names and values, then sorts by name and, for equal names, by value (byte order).
    static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        query.map { (S3URIEncoding.encode($0.name), S3URIEncoding.encode($0.value)) }
            .sorted { lhs, rhs in
                lhs.0 == rhs.0 ? lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
                    : lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
            }
            .map { $0.0 + "=" + $0.1 }
            .joined(separator: "&")
    }

    /// Lowercased names, sorted; values trimmed with inner runs of whitespace made one space;
    /// repeated names joined with commas.
    static func canonicalHeaders(_ headers: [(String, String)]) -> (block: String, names: String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
                .joined(separator: " ")
            merged[name.lowercased(), default: []].append(trimmed)
        }
        let names = merged.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let block = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    static func canonicalRequest(method: String, path: String, canonicalQuery: String, canonicalHeaders: String,
                                 signedHeaders: String, payloadHash: String) -> String {
        [method, path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
    }

    func stringToSign(canonicalRequest: String, time: SigV4Timestamp) -> String {
        [Self.algorithm, time.amzDate, scope(time), SHA256.hash(canonicalRequest).hexString].joined(separator: "\n")
    }

    func signature(stringToSign: String, time: SigV4Timestamp) -> String {
        let dateKey = HMAC.sha256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), message: time.dateStamp)
        let regionKey = HMAC.sha256(key: dateKey, message: region)
        let serviceKey = HMAC.sha256(key: regionKey, message: service)
        let signingKey = HMAC.sha256(key: serviceKey, message: "aws4_request")
        return HMAC.sha256(key: signingKey, message: stringToSign).hexString
    }
}
