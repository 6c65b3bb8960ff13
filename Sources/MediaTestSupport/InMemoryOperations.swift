import Foundation
import MediaApp

/// The three fakes wired into an `OperationEnvironment`, with a clock the test moves.
public final class InMemoryOperations {
    public let storage = InMemoryObjectStore()
    public let media = InMemoryMediaRepository()
    public let jobs = InMemoryJobQueue()
    public let uploads = InMemoryUploadRepository()
    public var now = 1_000.0
    public let config: AppConfig

    /// `settings` override the defaults of a minimal configuration (a 3600 s repair grace).
    public init(settings: [String: String] = [:]) throws {
        let defaults = ["S3_BUCKET": "media", "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test",
                        "CDN_BASE_URL": "https://cdn.test"]
        config = try AppConfig.load(from: defaults.merging(settings) { $1 })
    }

    public var environment: OperationEnvironment {
        OperationEnvironment(config: config, storage: { self.storage }, media: media, jobs: jobs, uploads: uploads,
                             clock: { self.now })
    }
}
