/// The storage service could not be reached, or the exchange broke off before an answer.
///
/// This is the "S3 is unavailable" case: the service maps it to 503 `unavailable` with
/// `dependency: "storage"`. An answer from S3, even an error one, is `S3Error` instead.
public struct S3TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Name resolution or TCP connect failed (nothing listens, host down, DNS).
        case unreachable
        /// Connect timeout, overall timeout or the low-speed limit was hit.
        case timeout
        /// The connection dropped mid-exchange (reset, empty reply, short body).
        case connectionLost
        /// TLS handshake or certificate verification failed.
        case tls
        /// Anything else libcurl reported.
        case other
    }

    public var kind: Kind
    /// libcurl's `CURLcode`.
    public var curlCode: Int
    public var message: String

    public init(kind: Kind, curlCode: Int, message: String) {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message
    }

    /// Unreachable, timed out and dropped connections may succeed on another try.
    public var isRetryable: Bool { kind == .unreachable || kind == .timeout || kind == .connectionLost }

    public var description: String { "S3 transport error (\(kind.rawValue), curl \(curlCode)): \(message)" }
}

/// The request was not sent because of the caller's input or the local side: a bad argument,
/// an unreadable file, a libcurl handle that could not be made. Neither S3 nor the network is at fault.
public enum S3ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A presigned URL's lifetime must be 1 s ... 604800 s (7 days).
    case expiresOutOfRange(Int)
    case invalidEndpoint(String)
    case invalidBucketName(String)
    case emptyKey
    /// Header values (content type, cache control, metadata) must not contain CR, LF or NUL.
    case invalidHeaderValue(name: String)
    case fileUnreadable(path: String, errno: Int32)
    case curlUnavailable(String)

    public var description: String {
        switch self {
        case .expiresOutOfRange(let seconds): "expires must be 1...604800 seconds, got \(seconds)"
        case .invalidEndpoint(let endpoint): "invalid S3 endpoint '\(endpoint)': want http(s)://host[:port]"
        case .invalidBucketName(let bucket): "invalid bucket name '\(bucket)'"
        case .emptyKey: "object key must not be empty"
        case .invalidHeaderValue(let name): "header '\(name)' contains a line break or NUL"
        case .fileUnreadable(let path, let code): "cannot read '\(path)' (errno \(code))"
        case .curlUnavailable(let reason): "libcurl: \(reason)"
        }
    }
}
