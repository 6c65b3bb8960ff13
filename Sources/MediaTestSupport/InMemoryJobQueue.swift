import MediaApp
import MediaCore

/// The job queue and media locks in memory; a lock can be held by someone else and the queue
/// can refuse jobs, on demand.
public final class InMemoryJobQueue: JobQueueing {
    public private(set) var jobs: [Job] = []
    /// media id → owner
    public private(set) var locks: [String: String] = [:]
    public var refusesJobs: Error?

    public init() {}

    public static let outage = ServiceError.unavailable("redis")

    /// Someone else (a running job) holds the media's lock.
    public func holdLock(mediaId: String, owner: String = "another-job") { locks[mediaId] = owner }

    public func enqueue(_ job: Job) throws {
        if let refusesJobs { throw refusesJobs }
        jobs.append(job)
    }

    public func lock(mediaId: String, owner: String, ttlSeconds: Int) throws -> Bool {
        guard locks[mediaId] == nil else { return false }
        locks[mediaId] = owner
        return true
    }

    /// key → uses in the current window (the test decides when a window ends).
    public var spent: [String: Int] = [:]

    public func spend(_ key: String, limit: Int, windowSeconds: Int) throws -> Int? {
        spent[key, default: 0] += 1
        return spent[key, default: 0] <= limit ? nil : windowSeconds
    }

    public func unlock(mediaId: String, owner: String) throws {
        if locks[mediaId] == owner { locks[mediaId] = nil }
    }
}
