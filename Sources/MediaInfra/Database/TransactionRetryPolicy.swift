/// What `DatabaseConnection.transaction` does after an attempt failed.
///
/// Rerunning a transaction is safe exactly when the server is known to have applied none of
/// it: it aborted it (deadlock victim, lock wait timeout, a Galera certification failure,
/// reported as 1213 even at COMMIT), or the connection failed before COMMIT was sent (the
/// server rolls back a transaction whose connection ends). A connection lost while COMMIT was
/// in flight is different: the node may have committed (and Galera replicated) it just before
/// it went away. Rerunning then could apply an insert twice or an old "expected" row check
/// against our own write, so it is never rerun; the error is marked `outcomeUnknown`, answered
/// 503, and cleanup keeps the objects the row may claim (the repair pass decides).
public struct TransactionRetryPolicy: Sendable, Equatable {
    /// Reruns after the first attempt.
    public var retries: Int
    public var baseDelaySeconds: Double
    public var maxDelaySeconds: Double

    public init(retries: Int, baseDelaySeconds: Double = 0.01, maxDelaySeconds: Double = 0.2) {
        self.retries = retries
        self.baseDelaySeconds = baseDelaySeconds
        self.maxDelaySeconds = maxDelaySeconds
    }

    public enum Decision: Equatable, Sendable {
        /// Run the whole transaction again after this pause (on a new connection if it was lost).
        case rerun(afterSeconds: Double)
        /// Give up with the error as it is.
        case fail
        /// The COMMIT may have been applied: give up, marking the error `outcomeUnknown`.
        case outcomeUnknown
    }

    /// `attempt` counts from 1; `atCommit`: the error came from COMMIT itself; `random` in
    /// 0..<1 spreads the pause (two transactions that deadlocked must not meet again in step).
    public func decide(after error: Error, attempt: Int, atCommit: Bool, random: Double) -> Decision {
        guard let error = error as? DatabaseError else { return .fail }
        if error.isConnectionFailure && atCommit && !error.isRefusal { return .outcomeUnknown }
        guard error.abortedTransaction || error.isConnectionFailure, attempt <= retries else { return .fail }
        let exponential = baseDelaySeconds * Double(1 << min(attempt - 1, 16))
        return .rerun(afterSeconds: min(maxDelaySeconds, exponential) * (0.5 + random))
    }
}
