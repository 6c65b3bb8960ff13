import S3

extension AppConfig.Storage {
    /// The S3 client settings for this storage, with the given timeouts and tries.
    public func s3Configuration(connectTimeout: Double = 3, requestTimeout: Double = 30, maxAttempts: Int = 3) -> S3Configuration {
        S3Configuration(endpoint: endpoint, region: region, credentials: credentials, forcePathStyle: forcePathStyle,
                        connectTimeout: connectTimeout, requestTimeout: requestTimeout, maxAttempts: maxAttempts)
    }
}

public enum StorageHealth {
    /// A HEAD of the default bucket with a one-second budget and no retries, on a client kept
    /// between health runs (HealthCheck).
    public static func probe(config: AppConfig) -> HealthCheck.Probe {
        let configuration = config.storage.s3Configuration(connectTimeout: 1, requestTimeout: 1.2, maxAttempts: 1)
        let bucket = config.storage.bucket
        let client = KeptConnection { try S3Client(configuration: configuration) }
        return { try client.use { try $0.headBucket(bucket) } }
    }
}
