@testable import MediaApp
import MediaCore
import XCTest

final class AppConfigTests: XCTestCase {
    private let minimal = [
        "S3_BUCKET": "media", "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s", "CDN_BASE_URL": "https://cdn.example.com/",
    ]

    func testMinimalConfigurationUsesDocumentedDefaults() throws {
        let config = try AppConfig.load(from: minimal)
        XCTAssertEqual(config.database.port, 3306)
        XCTAssertEqual(config.pool.workers, 2)
        XCTAssertEqual(config.pool.threads, 4)
        XCTAssertEqual(config.pool.socketMode, 0o660)
        XCTAssertEqual(config.limits.imageMaxPixels, 50_000_000)
        XCTAssertEqual(config.media.concurrency, 2)
        XCTAssertEqual(config.storage.cdnBaseURL, "https://cdn.example.com", "trailing slash dropped")
        XCTAssertNil(config.storage.endpoint)
        XCTAssertEqual(config.storage.allowedBuckets, ["media", "media-private"])
        XCTAssertEqual(config.reconcile.intervalSeconds, 3600)
        XCTAssertEqual(config.reconcile.graceSeconds, 3600)
        XCTAssertTrue(config.downloads.accelRedirect, "downloads go through nginx unless DOWNLOAD_ACCEL_REDIRECT=false")
        XCTAssertEqual(config.transforms.cacheSeconds, 60)
        XCTAssertFalse(try AppConfig.load(from: minimal.merging(["DOWNLOAD_ACCEL_REDIRECT": "false"]) { $1 }).downloads.accelRedirect)
    }

    func testEachBadSettingIsNamed() {
        let cases: [(String, String?)] = [
            ("S3_BUCKET", nil), ("S3_ACCESS_KEY_ID", nil), ("CDN_BASE_URL", nil),
            ("CDN_BASE_URL", "cdn.example.com"), ("DB_PORT", "70000"), ("DB_PORT", "abc"), ("API_WORKERS", "0"),
            ("API_SOCKET_MODE", "rw-rw----"), ("S3_FORCE_PATH_STYLE", "maybe"), ("S3_BUCKET", "Bad_Bucket"),
            ("S3_EXTRA_BUCKETS", "ok-bucket,x"), ("LOG_LEVEL", "loud"), ("S3_ENDPOINT", "127.0.0.1:9000"),
            ("IMAGE_MAX_CONCURRENT_DECODES", "0"), ("IMAGE_MAX_CONCURRENT_DECODES", "many"),
            ("RECONCILE_INTERVAL_SECONDS", "-1"), ("RECONCILE_GRACE_SECONDS", "5"),
            ("DB_HOSTS", "db1:3306,db2:x"), ("DB_HOSTS", " , "), ("DB_TRANSACTION_RETRIES", "-1"),
            ("REDIS_SENTINELS", "s1:26379,s2:"), ("REDIS_MIN_REPLICAS_ACKED", "-1"), ("REDIS_WAIT_TIMEOUT_MS", "0"),
            ("TRANSFORM_CACHE_SECONDS", "-1"),
        ]
        for (setting, value) in cases {
            var environment = minimal
            environment[setting] = value
            XCTAssertThrowsError(try AppConfig.load(from: environment), "\(setting)=\(value ?? "<unset>")") { error in
                XCTAssertEqual((error as? ConfigError)?.setting, setting)
                XCTAssertTrue(String(describing: error).hasPrefix("configuration error: \(setting) "))
            }
        }
    }

    func testDatabaseHostListReplacesHostAndPort() throws {
        XCTAssertEqual(try AppConfig.load(from: minimal).database.endpoints, [NetworkAddress(host: "127.0.0.1", port: 3306)])
        var environment = minimal
        environment["DB_HOST"] = "ignored"
        environment["DB_PORT"] = "3307"
        environment["DB_HOSTS"] = "db1, db2:3310"
        environment["DB_TRANSACTION_RETRIES"] = "5"
        let database = try AppConfig.load(from: environment).database
        XCTAssertEqual(database.endpoints, [NetworkAddress(host: "db1", port: 3307), NetworkAddress(host: "db2", port: 3310)],
                       "DB_PORT is the default port of the list")
        XCTAssertEqual(database.transactionRetries, 5)
        XCTAssertEqual(try AppConfig.load(from: minimal).database.transactionRetries, 3)
    }

    func testSentinelsReplaceRedisHostAndPort() throws {
        let plain = try AppConfig.load(from: minimal).redis
        XCTAssertEqual(plain.sentinels, [])
        XCTAssertEqual(plain.minReplicasAcked, 0)
        XCTAssertEqual(plain.waitTimeoutMilliseconds, 500)
        var environment = minimal
        environment["REDIS_SENTINELS"] = "s1, s2:26380"
        environment["REDIS_SENTINEL_PASSWORD"] = "pw"
        environment["REDIS_MIN_REPLICAS_ACKED"] = "1"
        environment["REDIS_WAIT_TIMEOUT_MS"] = "250"
        let redis = try AppConfig.load(from: environment).redis
        XCTAssertEqual(redis.sentinels, [NetworkAddress(host: "s1", port: 26379), NetworkAddress(host: "s2", port: 26380)])
        XCTAssertEqual(redis.sentinelMaster, "media")
        XCTAssertEqual(redis.sentinelPassword, "pw")
        XCTAssertEqual(redis.minReplicasAcked, 1)
        XCTAssertEqual(redis.waitTimeoutMilliseconds, 250)
    }

    func testBucketNames() {
        XCTAssertTrue(S3BucketName.isValid("media-test.1"))
        XCTAssertFalse(S3BucketName.isValid("ab"))
        XCTAssertFalse(S3BucketName.isValid("-media"))
        XCTAssertFalse(S3BucketName.isValid("a..b"))
    }
}
