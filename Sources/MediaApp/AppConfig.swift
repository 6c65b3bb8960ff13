import MediaCore
import MediaInfra
import S3

/// Everything the processes read from their environment (documented in config.env.example).
public struct AppConfig: Sendable {
    public struct Storage: Sendable {
        public var endpoint: String?
        public var region: String
        /// Public media: the only bucket a CDN may expose.
        public var bucket: String
        /// Private media: never exposed; reached through the download endpoint or presigned URLs.
        public var privateBucket: String
        public var extraBuckets: [String]
        public var credentials: S3Credentials
        public var forcePathStyle: Bool
        public var cdnBaseURL: String

        /// Buckets a request may name.
        public var allowedBuckets: [String] { [bucket, privateBucket] + extraBuckets }

        /// Where a media item's objects live for its privacy.
        public func bucket(isPrivate: Bool) -> String { isPrivate ? privateBucket : bucket }
    }

    public struct Limits: Sendable {
        public var uploadMaxBytes: Int
        public var jsonMaxBytes: Int
        public var imageMaxPixels: Int
        /// How long a presigned upload's PUT URL is valid (PRESIGNED_UPLOAD_EXPIRY_SECONDS).
        public var presignedUploadSeconds: Int = 900
    }

    /// What may be uploaded and how images are processed.
    public struct Media: Sendable {
        public var allowedTypes: FileTypeAllowList
        public var variants: [VariantSpec]
        public var encoding: EncodingSettings
        public var maxFrames: Int
        /// Image jobs (variant sets, crops) one process runs at once (IMAGE_MAX_CONCURRENT_DECODES);
        /// the rest wait their turn, so a burst of large uploads queues instead of exhausting memory.
        public var concurrency: Int = 2
    }

    public struct Pool: Sendable {
        public var socketPath: String
        public var socketMode: UInt32
        public var workers: Int
        public var threads: Int
        public var maxRequests: Int
        public var shutdownTimeoutSeconds: Int
        public var restartBackoffMaxSeconds: Int
    }

    /// How downloads are served (see nginx/download-accel.conf).
    public struct Downloads: Sendable {
        /// Answer with X-Accel-Redirect and let nginx stream from a presigned URL.
        public var accelRedirect: Bool
        /// The internal nginx location that proxies the presigned URL.
        public var accelLocation: String
    }

    public struct Jobs: Sendable {
        public var processes: Int
        public var threads: Int
        public var retry: RetryPolicy
        /// A job whose worker has not reported for this long is taken over by another worker.
        public var reclaimIdleSeconds: Int
        public var shutdownTimeoutSeconds: Int
    }

    /// The consistency pass media-worker runs on its own (what `mediactl reconcile --fix` does).
    public struct Reconcile: Sendable {
        /// Seconds between passes over the whole installation; 0 turns the pass off.
        public var intervalSeconds: Int
        /// Objects and rows younger than this are never touched. Writers give up (503) before
        /// committing writes older than half of it, so a pass can never take what a commit
        /// is about to claim.
        public var graceSeconds: Int

        public init(intervalSeconds: Int = 3600, graceSeconds: Int = 3600) {
            self.intervalSeconds = intervalSeconds
            self.graceSeconds = graceSeconds
        }
    }

    public var database: DatabaseSettings
    public var redis: RedisSettings
    public var storage: Storage
    public var limits: Limits
    public var media: Media
    public var pool: Pool
    public var jobs: Jobs
    public var reconcile = Reconcile()
    public var resumable = Resumable()
    public var downloads: Downloads
    public var transforms = Transforms()
    public var logLevel: String
    /// How long an API worker trusts a key it has checked (AUTH_CACHE_SECONDS): a revoked key
    /// is refused everywhere within this time. 0 checks the database on every request.
    public var authCacheSeconds = 5
    /// The longest an API worker serves a media row or list page it read earlier
    /// (MEDIA_CACHE_SECONDS). Normally a write anywhere invalidates it at once (revisions in
    /// Redis); this bounds staleness only after a write that could not reach Redis. 0 = off.
    public var mediaCacheSeconds = 10

    public static func load(from environment: [String: String]) throws -> AppConfig {
        let env = EnvironmentReader(environment: environment)
        var database = DatabaseSettings(
            host: try env.string("DB_HOST", default: "127.0.0.1"),
            port: try env.int("DB_PORT", default: 3306, in: 1...65535),
            socket: env.optionalString("DB_SOCKET"),
            name: try env.string("DB_NAME", default: "media"),
            user: try env.string("DB_USER", default: "media"),
            password: environment["DB_PASSWORD"] ?? "",
            connectTimeoutSeconds: try env.int("DB_CONNECT_TIMEOUT_SECONDS", default: 2, in: 1...60),
            queryTimeoutSeconds: try env.int("DB_QUERY_TIMEOUT_SECONDS", default: 10, in: 1...600))
        database.hosts = try env.addressList("DB_HOSTS", defaultPort: database.port)
        database.transactionRetries = try env.int("DB_TRANSACTION_RETRIES", default: 3, in: 0...20)
        var redis = RedisSettings(
            host: try env.string("REDIS_HOST", default: "127.0.0.1"),
            port: try env.int("REDIS_PORT", default: 6379, in: 1...65535),
            password: env.optionalString("REDIS_PASSWORD"),
            database: try env.int("REDIS_DB", default: 0, in: 0...15))
        redis.sentinels = try env.addressList("REDIS_SENTINELS", defaultPort: 26379)
        redis.sentinelMaster = try env.string("REDIS_SENTINEL_MASTER", default: "media")
        redis.sentinelPassword = env.optionalString("REDIS_SENTINEL_PASSWORD")
        redis.minReplicasAcked = try env.int("REDIS_MIN_REPLICAS_ACKED", default: 0, in: 0...16)
        redis.waitTimeoutMilliseconds = try env.int("REDIS_WAIT_TIMEOUT_MS", default: 500, in: 1...60_000)
        let bucket = try env.string("S3_BUCKET")
        guard S3BucketName.isValid(bucket) else { throw ConfigError(setting: "S3_BUCKET", problem: "is not a valid bucket name: \"\(bucket)\"") }
        let privateBucket = try env.string("S3_PRIVATE_BUCKET", default: "\(bucket)-private")
        guard S3BucketName.isValid(privateBucket), privateBucket != bucket else {
            throw ConfigError(setting: "S3_PRIVATE_BUCKET", problem: "must be a valid bucket name other than S3_BUCKET: \"\(privateBucket)\"")
        }
        let extraBuckets = (env.optionalString("S3_EXTRA_BUCKETS") ?? "").split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
        if let bad = extraBuckets.first(where: { !S3BucketName.isValid($0) }) {
            throw ConfigError(setting: "S3_EXTRA_BUCKETS", problem: "holds an invalid bucket name: \"\(bad)\"")
        }
        let storage = Storage(
            endpoint: try env.optionalString("S3_ENDPOINT").map { _ in try env.url("S3_ENDPOINT") },
            region: try env.string("S3_REGION", default: "us-east-1"),
            bucket: bucket,
            privateBucket: privateBucket,
            extraBuckets: extraBuckets,
            credentials: S3Credentials(accessKeyId: try env.string("S3_ACCESS_KEY_ID"),
                                       secretAccessKey: try env.string("S3_SECRET_ACCESS_KEY"),
                                       sessionToken: env.optionalString("S3_SESSION_TOKEN")),
            forcePathStyle: try env.bool("S3_FORCE_PATH_STYLE", default: false),
            cdnBaseURL: try env.url("CDN_BASE_URL"))
        let limits = Limits(
            uploadMaxBytes: try env.int("UPLOAD_MAX_BYTES", default: 100 << 20, in: 1...(64 << 30)),
            jsonMaxBytes: try env.int("JSON_MAX_BYTES", default: 1 << 20, in: 1024...(64 << 20)),
            imageMaxPixels: try env.int("IMAGE_MAX_PIXELS", default: 50_000_000, in: 1...1_000_000_000),
            presignedUploadSeconds: try env.int("PRESIGNED_UPLOAD_EXPIRY_SECONDS", default: 900, in: 60...86400))
        let media = try loadMedia(env)
        let modeText = try env.string("API_SOCKET_MODE", default: "0660")
        guard let socketMode = UInt32(modeText, radix: 8), socketMode <= 0o777 else {
            throw ConfigError(setting: "API_SOCKET_MODE", problem: "must be an octal file mode such as 0660, got \"\(modeText)\"")
        }
        let pool = Pool(
            socketPath: try env.string("API_SOCKET", default: "/run/media-api/fcgi.sock"),
            socketMode: socketMode,
            workers: try env.int("API_WORKERS", default: 2, in: 1...256),
            threads: try env.int("API_THREADS", default: 4, in: 1...256),
            maxRequests: try env.int("API_MAX_REQUESTS", default: 100_000, in: 0...Int(Int32.max)),
            shutdownTimeoutSeconds: try env.int("API_SHUTDOWN_TIMEOUT_SECONDS", default: 30, in: 1...3600),
            restartBackoffMaxSeconds: try env.int("API_RESTART_BACKOFF_MAX_SECONDS", default: 30, in: 1...3600))
        let jobs = Jobs(
            processes: try env.int("WORKER_PROCESSES", default: 1, in: 1...64),
            threads: try env.int("WORKER_THREADS", default: 2, in: 1...64),
            retry: RetryPolicy(maxAttempts: try env.int("JOB_MAX_ATTEMPTS", default: 3, in: 1...100),
                               baseDelaySeconds: Double(try env.int("JOB_RETRY_BASE_SECONDS", default: 2, in: 0...3600)),
                               maxDelaySeconds: 300),
            reclaimIdleSeconds: try env.int("JOB_RECLAIM_IDLE_SECONDS", default: 30, in: 2...3600),
            shutdownTimeoutSeconds: try env.int("WORKER_SHUTDOWN_TIMEOUT_SECONDS", default: 30, in: 1...3600))
        let reconcile = Reconcile(
            intervalSeconds: try env.int("RECONCILE_INTERVAL_SECONDS", default: 3600, in: 0...(7 * 86400)),
            graceSeconds: try env.int("RECONCILE_GRACE_SECONDS", default: 3600, in: 10...(30 * 86400)))
        let downloads = Downloads(
            accelRedirect: try env.bool("DOWNLOAD_ACCEL_REDIRECT", default: true),
            accelLocation: try env.string("DOWNLOAD_ACCEL_LOCATION", default: "/_media_download"))
        guard downloads.accelLocation.hasPrefix("/"), downloads.accelLocation.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw ConfigError(setting: "DOWNLOAD_ACCEL_LOCATION", problem: "must be a path such as /_media_download")
        }
        let logLevel = try env.string("LOG_LEVEL", default: "info")
        guard ["debug", "info", "warning", "error"].contains(logLevel) else {
            throw ConfigError(setting: "LOG_LEVEL", problem: "must be debug, info, warning or error, got \"\(logLevel)\"")
        }
        var config = AppConfig(database: database, redis: redis, storage: storage, limits: limits, media: media, pool: pool, jobs: jobs,
                               reconcile: reconcile, downloads: downloads, logLevel: logLevel,
                               authCacheSeconds: try env.int("AUTH_CACHE_SECONDS", default: 5, in: 0...300),
                               mediaCacheSeconds: try env.int("MEDIA_CACHE_SECONDS", default: 10, in: 0...300))
        config.transforms = try Transforms.load(env)
        config.resumable = try Resumable.load(env)
        return config
    }

    private static func loadMedia(_ env: EnvironmentReader) throws -> Media {
        let allowed: FileTypeAllowList
        if let list = env.optionalString("UPLOAD_ALLOWED_TYPES") {
            do {
                allowed = try FileTypeAllowList(parsing: list)
            } catch {
                throw ConfigError(setting: "UPLOAD_ALLOWED_TYPES", problem: "must list types such as jpeg,png,gif,webp,pdf (html and xml are never allowed)")
            }
        } else {
            allowed = .default
        }
        var variants = VariantSpec.defaults
        if let sizes = env.optionalString("IMAGE_VARIANT_SIZES") {
            variants = try parseVariantSizes(sizes) + [VariantSpec(name: "original_webp", kind: .fullSize(.webp))]
        }
        let encoding = EncodingSettings(
            jpegQuality: try env.int("IMAGE_JPEG_QUALITY", default: 80, in: 1...100),
            webpQuality: try env.int("IMAGE_WEBP_QUALITY", default: 80, in: 1...100),
            webpEffort: try env.int("IMAGE_WEBP_EFFORT", default: 4, in: 0...6))
        return Media(allowedTypes: allowed, variants: variants, encoding: encoding,
                     maxFrames: try env.int("IMAGE_MAX_FRAMES", default: 100, in: 1...10_000),
                     concurrency: try env.int("IMAGE_MAX_CONCURRENT_DECODES", default: 2, in: 1...256))
    }

    /// `thumbnail:245x156,small:500x500,...`: the resized variants and their boxes.
    static func parseVariantSizes(_ text: String) throws -> [VariantSpec] {
        let problem = ConfigError(setting: "IMAGE_VARIANT_SIZES", problem: "must look like thumbnail:245x156,small:500x500")
        var specs: [VariantSpec] = []
        for entry in text.split(separator: ",") {
            let pair = entry.split(separator: ":")
            guard pair.count == 2 else { throw problem }
            let name = String(pair[0]).trimmed
            let box = pair[1].split(separator: "x")
            guard box.count == 2, let width = Int(box[0]), let height = Int(box[1]), width > 0, height > 0,
                  width <= 16384, height <= 16384, !name.isEmpty, name != "original_webp",
                  name.utf8.allSatisfy({ (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "_") }),
                  !specs.contains(where: { $0.name == name }) else { throw problem }
            specs.append(.fitInside(name, width: width, height: height))
        }
        guard !specs.isEmpty else { throw problem }
        return specs
    }
}

/// S3 bucket naming rules (the DNS-compatible subset every S3 store accepts).
public enum S3BucketName {
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
            && !name.contains("..")
    }

    private static func isAlnum(_ byte: UInt8) -> Bool { (0x61...0x7a).contains(byte) || (0x30...0x39).contains(byte) }
}
