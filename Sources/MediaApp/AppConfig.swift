import MediaInfra
import S3

/// Everything the processes read from their environment (documented in config.env.example).
public struct AppConfig: Sendable {
    public struct Storage: Sendable {
        public var endpoint: String?
        public var region: String
        public var bucket: String
        public var extraBuckets: [String]
        public var credentials: S3Credentials
        public var forcePathStyle: Bool
        public var cdnBaseURL: String

        /// Buckets a request may name.
        public var allowedBuckets: [String] { [bucket] + extraBuckets }
    }

    public struct Limits: Sendable {
        public var uploadMaxBytes: Int
        public var jsonMaxBytes: Int
        public var imageMaxPixels: Int
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

    public struct Jobs: Sendable {
        public var processes: Int
        public var threads: Int
    }

    public var database: DatabaseSettings
    public var redis: RedisSettings
    public var storage: Storage
    public var limits: Limits
    public var pool: Pool
    public var jobs: Jobs
    public var logLevel: String

    public static func load(from environment: [String: String]) throws -> AppConfig {
        let env = EnvironmentReader(environment: environment)
        let database = DatabaseSettings(
            host: try env.string("DB_HOST", default: "127.0.0.1"),
            port: try env.int("DB_PORT", default: 3306, in: 1...65535),
            socket: env.optionalString("DB_SOCKET"),
            name: try env.string("DB_NAME", default: "media"),
            user: try env.string("DB_USER", default: "media"),
            password: environment["DB_PASSWORD"] ?? "",
            connectTimeoutSeconds: try env.int("DB_CONNECT_TIMEOUT_SECONDS", default: 2, in: 1...60),
            queryTimeoutSeconds: try env.int("DB_QUERY_TIMEOUT_SECONDS", default: 10, in: 1...600))
        let redis = RedisSettings(
            host: try env.string("REDIS_HOST", default: "127.0.0.1"),
            port: try env.int("REDIS_PORT", default: 6379, in: 1...65535),
            password: env.optionalString("REDIS_PASSWORD"),
            database: try env.int("REDIS_DB", default: 0, in: 0...15))
        let bucket = try env.string("S3_BUCKET")
        guard S3BucketName.isValid(bucket) else { throw ConfigError(setting: "S3_BUCKET", problem: "is not a valid bucket name: \"\(bucket)\"") }
        let extraBuckets = (env.optionalString("S3_EXTRA_BUCKETS") ?? "").split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
        if let bad = extraBuckets.first(where: { !S3BucketName.isValid($0) }) {
            throw ConfigError(setting: "S3_EXTRA_BUCKETS", problem: "holds an invalid bucket name: \"\(bad)\"")
        }
        let storage = Storage(
            endpoint: try env.optionalString("S3_ENDPOINT").map { _ in try env.url("S3_ENDPOINT") },
            region: try env.string("S3_REGION", default: "us-east-1"),
            bucket: bucket,
            extraBuckets: extraBuckets,
            credentials: S3Credentials(accessKeyId: try env.string("S3_ACCESS_KEY_ID"),
                                       secretAccessKey: try env.string("S3_SECRET_ACCESS_KEY"),
                                       sessionToken: env.optionalString("S3_SESSION_TOKEN")),
            forcePathStyle: try env.bool("S3_FORCE_PATH_STYLE", default: false),
            cdnBaseURL: try env.url("CDN_BASE_URL"))
        let limits = Limits(
            uploadMaxBytes: try env.int("UPLOAD_MAX_BYTES", default: 100 << 20, in: 1...(64 << 30)),
            jsonMaxBytes: try env.int("JSON_MAX_BYTES", default: 1 << 20, in: 1024...(64 << 20)),
            imageMaxPixels: try env.int("IMAGE_MAX_PIXELS", default: 50_000_000, in: 1...1_000_000_000))
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
            threads: try env.int("WORKER_THREADS", default: 2, in: 1...64))
        let logLevel = try env.string("LOG_LEVEL", default: "info")
        guard ["debug", "info", "warning", "error"].contains(logLevel) else {
            throw ConfigError(setting: "LOG_LEVEL", problem: "must be debug, info, warning or error, got \"\(logLevel)\"")
        }
        return AppConfig(database: database, redis: redis, storage: storage, limits: limits, pool: pool, jobs: jobs, logLevel: logLevel)
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
