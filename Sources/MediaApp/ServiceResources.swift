import MediaInfra
import S3

/// What one serving thread owns: its own MariaDB and Redis connections and its own curl
/// handle (the S3 client). Created once per thread, each opened lazily.
public final class ServiceResources {
    public let config: AppConfig
    public let database: DatabaseConnection
    public let redis: RedisConnection
    /// For the read cache's revision checks only: a short timeout, so a Redis that hangs costs
    /// a read at most that long before it falls back to MariaDB (writers' bumps keep `redis`).
    public let revisionChecks: RedisConnection
    /// The process's cache of media reads (API workers only; nil elsewhere).
    public let readCache: MediaReadCache?
    private var storageClient: S3Client?

    public init(config: AppConfig, readCache: MediaReadCache? = nil) {
        self.config = config
        self.readCache = readCache
        self.database = DatabaseConnection(settings: config.database)
        self.redis = RedisConnection(settings: config.redis)
        var quick = config.redis
        quick.timeoutSeconds = min(quick.timeoutSeconds, Self.revisionCheckTimeoutSeconds)
        self.revisionChecks = RedisConnection(settings: quick)
        database.observer = { operation, seconds, error in Telemetry.databaseStatement(operation, seconds: seconds, error: error) }
        database.transactionRetried = Telemetry.transactionRetried
    }

    /// The media rows; each write bumps the revisions that cached reads are checked against.
    public var media: MediaStore {
        MediaStore(database: database, changes: MediaChangeNotifier(redis: redis, readCache: readCache))
    }

    /// This thread's S3 client (connections are reused between requests).
    public func storage() throws -> S3Client {
        if let storageClient { return storageClient }
        let client = try S3Client(configuration: config.storage.s3Configuration())
        client.observer = Telemetry.s3Call
        storageClient = client
        return client
    }

    /// A revision GET takes well under a millisecond; this is a Redis in trouble.
    static let revisionCheckTimeoutSeconds = 0.1

    public func close() {
        database.close()
        redis.close()
        revisionChecks.close()
        storageClient = nil
    }
}
