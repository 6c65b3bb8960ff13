import Foundation
import MediaCore

/// The job queue in Redis: a stream with one consumer group gives at-least-once delivery (an
/// entry stays pending until acknowledged, and entries of a dead worker are claimed again);
/// each job's state is a hash that outlives the stream entry; retries wait in a sorted set.
public struct JobQueue {
    public static let stream = "media:jobs"
    public static let group = "workers"
    static let delayed = "media:jobs:delayed"
    /// Counters the job workers add to when an attempt ends (Prometheus series → integer).
    static let metricsKey = "media:metrics:jobs"
    /// Finished jobs are kept this long (the contract promises at least 24 h).
    public static let retentionSeconds = 48 * 3600

    private let redis: RedisConnection

    public init(redis: RedisConnection) { self.redis = redis }

    static func jobKey(_ id: String) -> String { "media:job:\(id)" }
    static func lockKey(_ mediaId: String) -> String { "media:lock:\(mediaId)" }

    /// Creates the stream and its group if missing (idempotent).
    public func prepare() throws {
        do {
            try redis.command(["XGROUP", "CREATE", Self.stream, Self.group, "0", "MKSTREAM"])
        } catch RedisError.reply(let message) where message.hasPrefix("BUSYGROUP") {
            return
        }
    }

    // MARK: - Producing

    /// Stores the job's state and queues it, in one transaction, and with
    /// REDIS_MIN_REPLICAS_ACKED set waits until that many replicas hold it: the client hears
    /// 202 only for a job that survives a failover of the primary (else 503, see `waitForReplicas`).
    /// A job's later state changes need no wait: each is one MULTI with its stream entry's
    /// XACK, so a change lost in a failover brings the entry back as pending, and the job is
    /// delivered again (at least once) rather than lost.
    public func enqueue(_ job: Job) throws {
        try prepare()
        try redis.transaction([
            ["HSET", Self.jobKey(job.id), "type", job.type.rawValue, "state", JobState.pending.rawValue,
             "progress", "0", "attempts", "0", "mediaId", job.mediaId, "organizationId", job.organizationId,
             "payload", job.payload, "createdAt", job.createdAt],
            ["XADD", Self.stream, "MAXLEN", "~", "1000000", "*", "job", job.id],
        ])
        try redis.waitForReplicas()
    }

    public func job(id: String) throws -> Job? {
        guard let fields = try redis.command(["HGETALL", Self.jobKey(id)]).array, !fields.isEmpty else { return nil }
        var values: [String: String] = [:]
        var index = 0
        while index + 1 < fields.count {
            if let name = fields[index].string { values[name] = fields[index + 1].string }
            index += 2
        }
        guard let type = values["type"].flatMap(JobType.init(rawValue:)),
              let state = values["state"].flatMap(JobState.init(rawValue:)) else { return nil }
        return Job(id: id, type: type, state: state, progress: Int(values["progress"] ?? "") ?? 0,
                   attempts: Int(values["attempts"] ?? "") ?? 0, failedReason: values["failedReason"], result: values["result"],
                   mediaId: values["mediaId"] ?? "", organizationId: values["organizationId"] ?? "",
                   payload: values["payload"] ?? "{}", createdAt: values["createdAt"] ?? "",
                   startedAt: values["startedAt"], finishedAt: values["finishedAt"])
    }

    // MARK: - One writer per media

    /// Takes the media's lock for `owner` (a job id or a request id); false if someone holds it.
    public func lock(mediaId: String, owner: String, ttlSeconds: Int) throws -> Bool {
        try redis.setIfAbsent(Self.lockKey(mediaId), owner, ttlSeconds: ttlSeconds)
    }

    public func lockHolder(mediaId: String) throws -> String? {
        try redis.command(["GET", Self.lockKey(mediaId)]).string
    }

    /// Extends the lock if `owner` still holds it.
    public func renewLock(mediaId: String, owner: String, ttlSeconds: Int) throws {
        try redis.command(["EVAL", "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end return 0",
                           "1", Self.lockKey(mediaId), owner, String(ttlSeconds)])
    }

    /// Counts one use of `key` in a fixed window (INCR, and EXPIRE on the first use): nil while
    /// within `limit`, else the seconds left in the window (the client's Retry-After).
    public func spend(_ key: String, limit: Int, windowSeconds: Int) throws -> Int? {
        let reply = try redis.command(["EVAL", """
            local used = redis.call('INCR', KEYS[1])
            if used == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
            if used <= tonumber(ARGV[2]) then return -1 end
            return redis.call('TTL', KEYS[1])
            """, "1", "media:budget:\(key)", String(windowSeconds), String(limit)])
        guard let remaining = reply.integer, remaining >= 0 else { return nil }
        return max(1, remaining)
    }

    /// Releases the lock if `owner` still holds it (never someone else's).
    public func unlock(mediaId: String, owner: String) throws {
        try redis.command(["EVAL", "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
                           "1", Self.lockKey(mediaId), owner])
    }

    // MARK: - Consuming

    public struct Delivery: Sendable, Equatable {
        public let entryId: String
        public let jobId: String
    }

    /// The next new entry for `consumer`, waiting up to `blockMilliseconds`.
    public func next(consumer: String, blockMilliseconds: Int) throws -> Delivery? {
        let reply = try redis.command(["XREADGROUP", "GROUP", Self.group, consumer, "COUNT", "1", "BLOCK", String(blockMilliseconds),
                                       "STREAMS", Self.stream, ">"])
        guard let streams = reply.array, let entries = streams.first?.array?.last?.array else { return nil }
        return entries.compactMap(Self.delivery).first
    }

    /// Entries idle longer than `minIdleMilliseconds` (their worker died): taken over by `consumer`.
    public func reclaim(consumer: String, minIdleMilliseconds: Int, count: Int = 1) throws -> [Delivery] {
        let reply = try redis.command(["XAUTOCLAIM", Self.stream, Self.group, consumer, String(minIdleMilliseconds), "0-0",
                                       "COUNT", String(count)])
        guard let parts = reply.array, parts.count >= 2, let entries = parts[1].array else { return [] }
        return entries.compactMap(Self.delivery)
    }

    /// Resets the entry's idle time, so a job still being worked on is not reclaimed.
    public func heartbeat(consumer: String, entryId: String) throws {
        try redis.command(["XCLAIM", Self.stream, Self.group, consumer, "0", entryId, "JUSTID"])
    }

    private static func delivery(_ entry: RedisReply) -> Delivery? {
        guard let parts = entry.array, parts.count == 2, let entryId = parts[0].string, let fields = parts[1].array else { return nil }
        var index = 0
        while index + 1 < fields.count {
            if fields[index].string == "job", let jobId = fields[index + 1].string { return Delivery(entryId: entryId, jobId: jobId) }
            index += 2
        }
        return nil
    }

    // MARK: - State changes

    /// A worker starts (or restarts) the job: active, one more attempt. Returns the attempt number.
    public func start(jobId: String, at timestamp: String) throws -> Int {
        try redis.command(["HSET", Self.jobKey(jobId), "state", JobState.active.rawValue, "startedAt", timestamp])
        return try redis.command(["HINCRBY", Self.jobKey(jobId), "attempts", "1"]).integer ?? 1
    }

    public func progress(jobId: String, percent: Int) throws {
        try redis.command(["HSET", Self.jobKey(jobId), "progress", String(max(0, min(100, percent)))])
    }

    public func complete(_ delivery: Delivery, result: String, at timestamp: String) throws {
        try finish(delivery, fields: ["state", JobState.completed.rawValue, "progress", "100", "result", result,
                                      "finishedAt", timestamp])
    }

    public func fail(_ delivery: Delivery, reason: String, at timestamp: String) throws {
        try finish(delivery, fields: ["state", JobState.failed.rawValue, "failedReason", reason, "finishedAt", timestamp])
    }

    /// Back to pending with the reason of this failure; queued again after `delaySeconds`.
    public func retryLater(_ delivery: Delivery, reason: String, delaySeconds: Double) throws {
        let due = Int64((Date().timeIntervalSince1970 + delaySeconds) * 1000)
        try redis.transaction([
            ["HSET", Self.jobKey(delivery.jobId), "state", JobState.pending.rawValue, "failedReason", reason],
            ["ZADD", Self.delayed, String(due), delivery.jobId],
            ["XACK", Self.stream, Self.group, delivery.entryId],
            ["XDEL", Self.stream, delivery.entryId],
        ])
    }

    /// Queues retries whose time has come. Any number of workers may call it: ZREM succeeds for
    /// exactly one of them, and only that one queues the job.
    public func promoteDueRetries(limit: Int = 20) throws {
        let now = String(Int64(Date().timeIntervalSince1970 * 1000))
        guard let due = try redis.command(["ZRANGEBYSCORE", Self.delayed, "-inf", now, "LIMIT", "0", String(limit)]).array else { return }
        for jobId in due.compactMap(\.string) where try redis.command(["ZREM", Self.delayed, jobId]).integer == 1 {
            try redis.command(["XADD", Self.stream, "MAXLEN", "~", "1000000", "*", "job", jobId])
        }
    }

    /// Jobs waiting: queued entries not yet delivered or still pending, plus scheduled retries.
    public func depth() throws -> Int {
        let length = try redis.command(["XLEN", Self.stream]).integer ?? 0
        let delayed = try redis.command(["ZCARD", Self.delayed]).integer ?? 0
        return length + delayed
    }

    /// Seconds since the oldest entry still in the stream (queued or running) was added; 0
    /// when the stream is empty. Entry ids start with their creation time in milliseconds.
    public func oldestEntryAgeSeconds(now: Date) throws -> Int {
        guard let entry = try redis.command(["XRANGE", Self.stream, "-", "+", "COUNT", "1"]).array?.first?.array,
              let id = entry.first?.string, let milliseconds = Int64(id.split(separator: "-")[0]) else { return 0 }
        return max(0, Int(now.timeIntervalSince1970 - Double(milliseconds) / 1000))
    }

    /// Adds to the job counters in one round trip.
    public func addMetrics(_ increments: [(String, Int)]) throws {
        guard !increments.isEmpty else { return }
        try redis.command(["EVAL", "for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end return 0",
                           "1", Self.metricsKey] + increments.flatMap { [$0.0, String($0.1)] })
    }

    /// Sets gauges kept beside the job counters (the time of the last reconcile pass).
    public func setMetrics(_ values: [(String, Int)]) throws {
        guard !values.isEmpty else { return }
        try redis.command(["HSET", Self.metricsKey] + values.flatMap { [$0.0, String($0.1)] })
    }

    /// The job counters, series text → value.
    public func metrics() throws -> [(String, Int)] {
        let fields = try redis.command(["HGETALL", Self.metricsKey]).array ?? []
        var result: [(String, Int)] = []
        var index = 0
        while index + 1 < fields.count {
            if let name = fields[index].string, let value = fields[index + 1].string.flatMap(Int.init) { result.append((name, value)) }
            index += 2
        }
        return result
    }

    /// Drops a delivery whose job needs no work (finished already, or expired).
    public func acknowledge(_ delivery: Delivery) throws {
        try redis.command(["XACK", Self.stream, Self.group, delivery.entryId])
        try redis.command(["XDEL", Self.stream, delivery.entryId])
    }

    private func finish(_ delivery: Delivery, fields: [String]) throws {
        try redis.transaction([
            ["HSET", Self.jobKey(delivery.jobId)] + fields,
            ["EXPIRE", Self.jobKey(delivery.jobId), String(Self.retentionSeconds)],
            ["XACK", Self.stream, Self.group, delivery.entryId],
            ["XDEL", Self.stream, delivery.entryId],
        ])
    }
}
