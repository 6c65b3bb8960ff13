/// How to reach and talk to one S3-compatible store.
public struct S3Configuration: Sendable {
    /// `http(s)://host[:port]` of the store; nil for AWS (`https://s3.<region>.amazonaws.com`).
    public var endpoint: String?
    public var region: String
    public var credentials: S3Credentials
    /// true: `endpoint/bucket/key` (SeaweedFS, MinIO); false: `bucket.endpoint/key` (AWS, R2).
    /// Bucket names that are not plain DNS labels (dots, capitals) always use path style.
    public var forcePathStyle: Bool
    /// Seconds to establish a connection (TCP + TLS).
    public var connectTimeout: Double
    /// Seconds for a whole exchange whose body is small (HEAD, DELETE, list, PUT from memory...).
    /// Streamed transfers (`getObject`, `putObject(file:)`) have no overall limit, so a large object
    /// can take as long as it needs; the low-speed limit below still ends a stalled one.
    public var requestTimeout: Double
    /// A transfer slower than `lowSpeedLimit` bytes/s for `lowSpeedTime` seconds is abandoned (timeout).
    /// A `getObject` sink that blocks (a slow downstream client) slows the transfer too.
    public var lowSpeedLimit: Int
    public var lowSpeedTime: Int
    /// Tries per request, counting the first (1 = no retries). Retries happen on transport
    /// failures and 5xx/SlowDown answers only, never on 4xx, never once body bytes were handed out.
    public var maxAttempts: Int
    /// Backoff before retry n is random in 0 ... min(retryMaxDelay, retryBaseDelay × 2ⁿ⁻¹) seconds ("full jitter").
    public var retryBaseDelay: Double
    public var retryMaxDelay: Double

    public init(endpoint: String?, region: String, credentials: S3Credentials, forcePathStyle: Bool,
                connectTimeout: Double = 3, requestTimeout: Double = 30,
                lowSpeedLimit: Int = 1024, lowSpeedTime: Int = 30,
                maxAttempts: Int = 3, retryBaseDelay: Double = 0.1, retryMaxDelay: Double = 2) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.forcePathStyle = forcePathStyle
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.lowSpeedLimit = lowSpeedLimit
        self.lowSpeedTime = lowSpeedTime
        self.maxAttempts = maxAttempts
        self.retryBaseDelay = retryBaseDelay
        self.retryMaxDelay = retryMaxDelay
    }
}
