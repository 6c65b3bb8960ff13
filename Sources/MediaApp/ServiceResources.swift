import MediaInfra
import S3

/// What one serving thread owns: its own MariaDB and Redis connections and its own curl
/// handle (the S3 client). Created once per thread, each opened lazily.
public final class ServiceResources {
    public let config: AppConfig
    public let database: DatabaseConnection
    public let redis: RedisConnection
    private var storageClient: S3Client?

    public init(config: AppConfig) {
        self.config = config
        self.database = DatabaseConnection(settings: config.database)
        self.redis = RedisConnection(settings: config.redis)
        database.observer = { operation, seconds, error in Telemetry.databaseStatement(operation, seconds: seconds, error: error) }
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
