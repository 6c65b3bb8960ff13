import MediaInfra

/// What one serving thread owns: its own MariaDB and Redis connections (and, with the
/// storage work, its own curl handle). Created once per thread, opened lazily.
public final class ServiceResources {
    public let config: AppConfig
    public let database: DatabaseConnection
    public let redis: RedisConnection

    public init(config: AppConfig) {
        self.config = config
        self.database = DatabaseConnection(settings: config.database)
        self.redis = RedisConnection(settings: config.redis)
    }

    public func close() {
        database.close()
        redis.close()
    }
}
