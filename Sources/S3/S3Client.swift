import CCurl
import Foundation
import Hashing
import Logging
import MediaCore

/// An S3 client over one libcurl easy handle, signing with SigV4.
///
/// One client per thread: it owns a CURL handle that libcurl forbids using from two threads
/// at once, and reuses its connection from request to request. Make one per worker thread
/// (lazily), and make a new one after a failure if you like; never share one between threads.
///
/// Errors: `S3Error` when S3 answered with an error (→ 502 `storage_error`, or the code's own
/// meaning such as NoSuchKey → 404); `S3TransportError` when S3 could not be reached or the
/// connection broke (→ 503 `unavailable`, dependency `storage`); `S3ClientError` for bad input
/// before anything was sent. An error thrown by a caller's sink closure is rethrown unchanged.
///
/// Not `Sendable`, like the other per-thread connections: the compiler keeps a client on the
/// thread that made it.
public final class S3Client {
    public let configuration: S3Configuration
    public let presigner: S3Presigner
    let endpoint: S3Endpoint
    let signer: SigV4Signer
    private let curl: CurlEasy
    private let logger = Logger(label: "storage")
    /// The signing clock; tests may pin it, requests use the current time.
    var now: @Sendable () -> Date = { Date() }
    /// Connections opened so far; stays at 1 while the handle keeps reusing its connection.
    public private(set) var connectionsOpened = 0
    /// Told about every call once it ended (retries included): for latency and error metrics.
    public var observer: ((S3CallRecord) -> Void)?

    public init(configuration: S3Configuration) throws {
        self.configuration = configuration
        presigner = try S3Presigner(configuration: configuration)
        endpoint = presigner.endpoint
        signer = presigner.signer
        curl = try CurlEasy()
    }

    /// See `S3Presigner.presignedURL`.
    public func presignedURL(method: S3PresignMethod, bucket: String, key: String, expires: Int,
                             headers: [(name: String, value: String)] = [], query: [(name: String, value: String)] = [],
                             responseOverrides: [(name: String, value: String)] = [], now: Date = Date()) throws -> String {
        try presigner.presignedURL(method: method, bucket: bucket, key: key, expires: expires,
                                   headers: headers, query: query, responseOverrides: responseOverrides, now: now)
    }

    // MARK: Requests

    struct Request {
        var method: String
        var bucket: String
        var key: String?
        var query: [(name: String, value: String)] = []
        var headers: [(name: String, value: String)] = []
        var body: S3RequestBody = .none
        /// Hex SHA-256 of the body, or `SigV4Signer.unsignedPayload`.
        var payloadHash: String = SigV4Signer.emptyPayloadSHA256
        /// Statuses that are success (everything else becomes an `S3Error`).
        var accepted: Set<Int> = Set(200...299)
    }

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    /// Sends `request`, retrying transport failures and 5xx answers with jittered exponential
    /// backoff, unless `stream` already got bytes. Returns only answers with an accepted status.
    func send(_ request: Request, stream: S3ResponseStream? = nil) throws -> Response {
        guard let observer else { return try sendWithRetries(request, stream: stream) }
        return try timed { try sendWithRetries(request, stream: stream) } report: { seconds, error in
            observer(S3CallRecord(operation: request.operationName, seconds: seconds, error: error))
        }
    }

    private func sendWithRetries(_ request: Request, stream: S3ResponseStream?) throws -> Response {
        guard S3Endpoint.isValidBucketName(request.bucket) else { throw S3ClientError.invalidBucketName(request.bucket) }
        if let key = request.key, key.isEmpty { throw S3ClientError.emptyKey }
        // A CR or LF in a value (a filename in metadata, say) would inject headers of its own.
        if let bad = request.headers.first(where: { $0.value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 } }) {
            throw S3ClientError.invalidHeaderValue(name: bad.name)
        }
        let attempts = max(1, configuration.maxAttempts)
        var attempt = 1
        while true {
            let transfer = try S3Transfer(body: request.body, stream: stream, streamStatuses: request.accepted,
                                          objectRequest: request.key != nil)
            let failure: Error
            do {
                let response = try perform(request, transfer: transfer)
                if request.accepted.contains(response.status) { return response }
                let error = S3Error.from(status: response.status, body: response.body,
                                         requestId: response.headers["x-amz-request-id"],
                                         objectRequest: request.key != nil)
                guard error.isRetryable, attempt < attempts else { throw error }
                failure = error
            } catch let error as S3TransportError where error.isRetryable && attempt < attempts && !transfer.delivered {
                failure = error
            }
            logger.debug("storage call retried", metadata: ["operation": "\(request.operationName)", "attempt": "\(attempt)",
                                                             "error": "\(failure)"])
            backoff(beforeRetry: attempt)
            attempt += 1
        }
    }

    /// "Full jitter": uniform in 0 ... min(max, base × 2^(attempt-1)), so clients that failed
    /// together do not retry together.
    private func backoff(beforeRetry attempt: Int) {
        let ceiling = min(configuration.retryMaxDelay, configuration.retryBaseDelay * pow(2, Double(attempt - 1)))
        guard ceiling > 0 else { return }
        usleep(useconds_t(Double.random(in: 0...ceiling) * 1_000_000))
    }

    /// One attempt: sign now, set up the handle, run it.
    private func perform(_ request: Request, transfer: S3Transfer) throws -> Response {
        let (url, headers) = prepare(request, date: now())
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        for (name, value) in headers {
            list = curl_slist_append(list, "\(name): \(value)")
        }
        // curl would otherwise add its own: Accept (harmless) and, for large uploads, an
        // `Expect: 100-continue` round trip; bodies from memory gain nothing from it.
        if case .bytes = request.body { list = curl_slist_append(list, "Expect:") }

        curl.reset()
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        curl.set(CURLOPT_URL, string: url)
        curl.set(CURLOPT_NOSIGNAL, 1) // timeouts without SIGALRM: required with threads
        curl.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        curl.set(CURLOPT_FOLLOWLOCATION, 0)
        curl.set(CURLOPT_TCP_KEEPALIVE, 1)
        curl.set(CURLOPT_USERAGENT, string: "media-service-s3/1")
        curl.set(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000))
        curl.set(CURLOPT_LOW_SPEED_LIMIT, configuration.lowSpeedLimit)
        curl.set(CURLOPT_LOW_SPEED_TIME, configuration.lowSpeedTime)
        let streamed: Bool
        switch request.body {
        case .file: streamed = true
        default: streamed = transfer.stream != nil
        }
        if !streamed { curl.set(CURLOPT_TIMEOUT_MS, Int(configuration.requestTimeout * 1000)) }
        curl.set(CURLOPT_HEADERFUNCTION, callback: S3Transfer.headerCallback)
        curl.set(CURLOPT_HEADERDATA, pointer: context)
        curl.set(CURLOPT_WRITEFUNCTION, callback: S3Transfer.writeCallback)
        curl.set(CURLOPT_WRITEDATA, pointer: context)

        switch request.method {
        case "GET":
            curl.set(CURLOPT_HTTPGET, 1)
        case "HEAD":
            curl.set(CURLOPT_NOBODY, 1)
        case "PUT", "POST":
            curl.set(CURLOPT_UPLOAD, 1)
            curl.set(CURLOPT_INFILESIZE_LARGE, offset: transfer.bodyLength)
            curl.set(CURLOPT_READFUNCTION, callback: S3Transfer.readCallback)
            curl.set(CURLOPT_READDATA, pointer: context)
            curl.set(CURLOPT_SEEKFUNCTION, seek: S3Transfer.seekCallback)
            curl.set(CURLOPT_SEEKDATA, pointer: context)
            if request.method == "POST" { curl.set(CURLOPT_CUSTOMREQUEST, string: "POST") }
        default:
            curl.set(CURLOPT_CUSTOMREQUEST, string: request.method)
        }
        curl.set(CURLOPT_HTTPHEADER, list: list)

        let code = curl.perform()
        connectionsOpened += curl.info(CURLINFO_NUM_CONNECTS)
        if let error = transfer.callbackError { throw error }
        guard code == CURLE_OK else {
            if code == CURLE_WRITE_ERROR {
                throw S3Error(code: .malformedResponse, status: transfer.status,
                              message: "response body larger than \(S3Transfer.collectLimit) bytes")
            }
            throw S3TransportError(curlCode: code, message: curl.errorMessage)
        }
        // An empty 200/304 never reached the write callback: hand over its headers now.
        try transfer.deliverHeadersIfNeeded()
        return Response(status: curl.info(CURLINFO_RESPONSE_CODE), headers: transfer.headers, body: transfer.body)
    }

    /// The URL and the headers (the request's own, then the signature's) of a request signed at `date`.
    func prepare(_ request: Request, date: Date) -> (url: String, headers: [(name: String, value: String)]) {
        let target = endpoint.target(bucket: request.bucket, key: request.key)
        let signed = signer.authorizationHeaders(method: request.method, host: target.host, path: target.path,
                                                 query: request.query, headers: request.headers,
                                                 payloadHash: request.payloadHash, date: date)
        return (target.url(query: Self.urlQuery(request.query)), request.headers + signed)
    }

    /// The query as sent: the same encoding as the canonical form; a bare name for an empty
    /// value (`?delete`), which is how S3 documents subresources.
    static func urlQuery(_ query: [(name: String, value: String)]) -> String {
        query.map { $0.value.isEmpty ? S3URIEncoding.encode($0.name)
            : S3URIEncoding.encode($0.name) + "=" + S3URIEncoding.encode($0.value) }
            .joined(separator: "&")
    }
}
