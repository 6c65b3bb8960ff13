import MediaInfra
import S3

/// What one serving thread owns: its own MariaDB and Redis connections and its own curl
/// handle (the S3 client). Created once per thread, each opened lazily.
public final class ServiceResources {
    public let config: AppConfig
    public let database: DatabaseConnection
    public let redis: RedisConnection
    /// The process's cache of media reads (API workers only; nil elsewhere).
    public let readCache: MediaReadCache?
    private var storageClient: S3Client?

    public init(config: AppConfig, readCache: MediaReadCache? = nil) {
        self.config = config
        self.readCache = readCache
        self.database = DatabaseConnection(settings: config.database)
        self.redis = RedisConnection(settings: config.redis)
        database.observer = { operation, seconds, error in Telemetry.databaseStatement(operation, seconds: seconds, error: error) }
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

    public func close() {
        database.close()
        redis.close()
        storageClient = nil
    }
}
