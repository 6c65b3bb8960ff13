import MediaCore

/// The client's image problems say it all (415, 422); a local read failure (500) is logged.
extension ImagingError: ContractError {
    public var logDetail: String? { serviceError.code == .internalError ? "\(self)" : nil }
}
