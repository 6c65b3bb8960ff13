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
