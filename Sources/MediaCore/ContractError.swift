/// An error that knows its answer in the contract, in the manner of Hummingbird's
/// `HTTPResponseError`: each adapter's errors conform next to the adapter, and the HTTP layer
/// turns any of them into the envelope in one place (`Application.errorResponse`).
public protocol ContractError: Error {
    /// What the client is told.
    var serviceError: ServiceError { get }
    /// What only the log is told (an upstream text: S3's message, the database's error); nil
    /// when the answer says it all.
    var logDetail: String? { get }
}

extension ContractError {
    public var logDetail: String? { String(describing: self) }
}

extension ServiceError: ContractError {
    public var serviceError: ServiceError { self }
    public var logDetail: String? { nil }
}

/// A failure after which a write may have been applied or not (a database connection lost
/// while its COMMIT was in flight). Cleanup after such a failure must not remove what the write
/// would claim: the repair pass, which sees the outcome, judges it later.
public protocol OutcomeUnknownError: Error {
    var outcomeUnknown: Bool { get }
}
