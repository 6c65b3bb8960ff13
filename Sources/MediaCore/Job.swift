/// Background work on one media item (contract: "Jobs").
public enum JobType: String, Sendable, CaseIterable {
    case variants, crop, upload
}

public enum JobState: String, Sendable {
    case pending, active, completed, failed
}

/// A job as clients see it. `result` and `payload` are JSON text.
public struct Job: Sendable, Equatable {
    public var id: String
    public var type: JobType
    public var state: JobState
    public var progress: Int
    public var attempts: Int
    public var failedReason: String?
    public var result: String?
    public var mediaId: String
    public var organizationId: String
    public var payload: String
    public var createdAt: String
    public var startedAt: String?
    public var finishedAt: String?

    public init(id: String, type: JobType, state: JobState = .pending, progress: Int = 0, attempts: Int = 0,
                failedReason: String? = nil, result: String? = nil, mediaId: String, organizationId: String,
                payload: String, createdAt: String, startedAt: String? = nil, finishedAt: String? = nil) {
        self.id = id
        self.type = type
        self.state = state
        self.progress = progress
        self.attempts = attempts
        self.failedReason = failedReason
        self.result = result
        self.mediaId = mediaId
        self.organizationId = organizationId
        self.payload = payload
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// How often and when a failing job is tried again.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var baseDelaySeconds: Double
    public var maxDelaySeconds: Double

    public init(maxAttempts: Int = 3, baseDelaySeconds: Double = 2, maxDelaySeconds: Double = 300) {
        self.maxAttempts = maxAttempts
        self.baseDelaySeconds = baseDelaySeconds
        self.maxDelaySeconds = maxDelaySeconds
    }

    /// Delay before attempt `attempt + 1` after `attempt` failed; nil when no attempt is left.
    public func delay(afterFailedAttempt attempt: Int) -> Double? {
        guard attempt < maxAttempts else { return nil }
        return min(maxDelaySeconds, baseDelaySeconds * Double(1 << min(max(attempt - 1, 0), 20)))
    }
}
