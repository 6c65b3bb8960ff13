import MediaCore

/// Any Redis failure is 503 naming Redis; its text is logged.
extension RedisError: ContractError {
    public var serviceError: ServiceError {
        switch self {
        case .notReplicated:
            .unavailable("redis", "the job queue could not confirm that the job is stored safely; it may or may not run; try again")
        default:
            .unavailable("redis")
        }
    }
}

/// A write that reached the primary but not enough replicas may be kept or lost.
extension RedisError: OutcomeUnknownError {
    public var outcomeUnknown: Bool { if case .notReplicated = self { true } else { false } }
}
