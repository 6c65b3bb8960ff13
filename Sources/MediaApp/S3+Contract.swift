import MediaCore
import S3

/// The store unreachable, or answering "not now" after the client's retries: 503 naming storage.
extension S3TransportError: ContractError {
    public var serviceError: ServiceError { .unavailable("storage") }
}

/// Any other answer of the store is 502 with the contract's message; S3's own text (bucket
/// names, keys, its software) goes to the log only.
extension S3Error: ContractError {
    public var serviceError: ServiceError {
        status >= 500 ? .unavailable("storage")
            : ServiceError(.storageError, "the storage service refused the request; quote the request id when reporting it")
    }
}

/// An object a row refers to is gone: the same 404 on every path.
extension ObjectStorageError: ContractError {
    public var serviceError: ServiceError {
        switch self {
        case .notFound(_, let key): .notFound("no object \(key)")
        }
    }
}
