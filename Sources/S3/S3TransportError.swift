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
