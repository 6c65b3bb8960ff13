import MediaCore

/// Any Redis failure is 503 naming Redis; its text is logged.
extension RedisError: ContractError {
    public var serviceError: ServiceError { .unavailable("redis") }
}
