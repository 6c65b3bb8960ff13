import MediaCore

extension AppConfig {
    /// Resumable uploads (tus and presigned multipart).
    public struct Resumable: Sendable {
        /// The largest upload (RESUMABLE_MAX_BYTES); a larger declared length is 413 at creation.
        public var maxBytes: Int = 50 << 30
        /// How long an unfinished upload lives (RESUMABLE_EXPIRY_HOURS, tus `Upload-Expires`).
        public var expiryHours: Int = 24
        /// How long one request holds an upload without renewing (RESUMABLE_LOCK_SECONDS): a
        /// writer that died or hangs is displaced by the next PATCH after this long.
        public var lockSeconds: Int = 60

        public init() {}

        static func load(_ env: EnvironmentReader) throws -> Resumable {
            var settings = Resumable()
            // 10,000 parts of at most 5 GiB each is S3's ceiling for one object.
            settings.maxBytes = try env.int("RESUMABLE_MAX_BYTES", default: settings.maxBytes, in: 1...(5 << 40))
            settings.expiryHours = try env.int("RESUMABLE_EXPIRY_HOURS", default: settings.expiryHours, in: 1...(24 * 30))
            settings.lockSeconds = try env.int("RESUMABLE_LOCK_SECONDS", default: settings.lockSeconds, in: 2...3600)
            return settings
        }
    }
}
