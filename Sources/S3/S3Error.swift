/// The storage service answered, and the answer was an error.
///
/// This is the "S3 said no" case: the service maps it to 502 `storage_error`, except where a
/// code has a meaning of its own for the caller (`NoSuchKey` → 404, `InvalidRange` → 416,
/// `PreconditionFailed`, ...). Failing to reach S3 at all is `S3TransportError` instead.
/// Built from S3's `<Error>` XML; for bodiless answers (HEAD) the code is derived from the status.
public struct S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// S3's error code. Open-ended: compare with the constants or the raw string.
    public struct Code: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { rawValue = value }
        public var description: String { rawValue }

        public static let noSuchKey: Code = "NoSuchKey"
        public static let noSuchBucket: Code = "NoSuchBucket"
        public static let noSuchUpload: Code = "NoSuchUpload"
        public static let invalidPart: Code = "InvalidPart"
        public static let accessDenied: Code = "AccessDenied"
        public static let signatureDoesNotMatch: Code = "SignatureDoesNotMatch"
        public static let invalidAccessKeyId: Code = "InvalidAccessKeyId"
        public static let expiredToken: Code = "ExpiredToken"
        public static let requestTimeTooSkewed: Code = "RequestTimeTooSkewed"
        public static let invalidRange: Code = "InvalidRange"
        public static let preconditionFailed: Code = "PreconditionFailed"
        public static let invalidArgument: Code = "InvalidArgument"
        public static let invalidBucketName: Code = "InvalidBucketName"
        public static let bucketAlreadyExists: Code = "BucketAlreadyExists"
        public static let bucketAlreadyOwnedByYou: Code = "BucketAlreadyOwnedByYou"
        public static let badDigest: Code = "BadDigest"
        public static let slowDown: Code = "SlowDown"
        public static let internalError: Code = "InternalError"
        public static let serviceUnavailable: Code = "ServiceUnavailable"
        public static let permanentRedirect: Code = "PermanentRedirect"
        /// Not S3's: the answer could not be understood (not XML, missing fields).
        public static let malformedResponse: Code = "MalformedResponse"
    }

    public var code: Code
    /// The HTTP status of the answer (200 for errors S3 reports inside a 200, as CopyObject can).
    public var status: Int
    public var message: String
    /// `x-amz-request-id` (or `<RequestId>`), for correlating with the store's logs.
    public var requestId: String?
    /// The key, bucket or resource the error is about, when S3 says so.
    public var resource: String?

    public init(code: Code, status: Int, message: String = "", requestId: String? = nil, resource: String? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.requestId = requestId
        self.resource = resource
    }

    /// 5xx answers (including `SlowDown`) are worth retrying; 4xx ones never are.
    public var isRetryable: Bool { status >= 500 || code == .slowDown }

    public var description: String {
        var text = "S3 error \(code.rawValue) (HTTP \(status))"
        if !message.isEmpty { text += ": \(message)" }
        if let resource { text += " [\(resource)]" }
        if let requestId { text += " request id \(requestId)" }
        return text
    }
}

extension S3Error {
    /// Parses S3's error document (`<Error><Code>…`). Nil when `body` is not one.
    public static func parse(xml body: [UInt8], status: Int, requestId headerRequestId: String? = nil) -> S3Error? {
        guard let root = S3XML.parse(body), root.name == "Error", let code = root.value("Code"), !code.isEmpty else {
            return nil
        }
        return S3Error(code: Code(rawValue: code), status: status, message: root.value("Message") ?? "",
                       requestId: root.value("RequestId") ?? headerRequestId,
                       resource: root.value("Key") ?? root.value("BucketName") ?? root.value("Resource"))
    }

    /// The error for an answer with status ≥ 300: from its XML body when it has one, else from
    /// the status alone (HEAD answers have no body). `objectRequest` picks NoSuchKey or NoSuchBucket for 404.
    static func from(status: Int, body: [UInt8], requestId: String?, objectRequest: Bool) -> S3Error {
        if let parsed = parse(xml: body, status: status, requestId: requestId) { return parsed }
        let code: Code
        switch status {
        case 301, 307: code = .permanentRedirect
        case 400: code = "BadRequest"
        case 403: code = .accessDenied
        case 404: code = objectRequest ? .noSuchKey : .noSuchBucket
        case 409: code = "Conflict"
        case 412: code = .preconditionFailed
        case 416: code = .invalidRange
        case 500: code = .internalError
        case 503: code = .serviceUnavailable
        default: code = Code(rawValue: "HTTP\(status)")
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return S3Error(code: code, status: status, message: text, requestId: requestId)
    }
}
