/// Spreads media-worker's periodic reconcile pass over every worker process and host: one
/// pass per interval, run by whichever process claims the interval first.
public struct ReconcileSchedule {
    static let claimKey = "media:reconcile:claim"
    private let redis: RedisConnection

    public init(redis: RedisConnection) { self.redis = redis }

    /// True when the caller may run a pass now; nobody else can for `intervalSeconds`.
    public func claim(owner: String, intervalSeconds: Int) throws -> Bool {
        try redis.setIfAbsent(Self.claimKey, owner, ttlSeconds: intervalSeconds)
    }
}
