/// The contract's error codes (docs: api.md, "Errors"). Each has exactly one HTTP status.
public enum ErrorCode: String, Sendable, CaseIterable {
    case validationError = "validation_error"
    case unauthorized
    case forbidden
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case conflict
    case payloadTooLarge = "payload_too_large"
    case unsupportedMediaType = "unsupported_media_type"
    case invalidImage = "invalid_image"
    case invalidCrop = "invalid_crop"
    case rateLimited = "rate_limited"
    /// A `Range` outside the object (downloads); the size is in `details.size`.
    case rangeNotSatisfiable = "range_not_satisfiable"
    case internalError = "internal_error"
    case storageError = "storage_error"
    case unavailable
    /// tus: the request's `Tus-Resumable` is a version the service does not speak (412).
    case unsupportedVersion = "unsupported_version"
    /// tus: another request is writing this upload now (423).
    case locked
    /// tus: the upload expired (410).
    case gone
    /// tus checksum extension: the body does not match `Upload-Checksum` (460).
    case checksumMismatch = "checksum_mismatch"

    public var status: Int {
        switch self {
        case .validationError: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .conflict: 409
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .invalidImage, .invalidCrop: 422
        case .rateLimited: 429
        case .rangeNotSatisfiable: 416
        case .internalError: 500
        case .storageError: 502
        case .unavailable: 503
        case .unsupportedVersion: 412
        case .locked: 423
        case .gone: 410
        case .checksumMismatch: 460
        }
    }
}

/// A failure the client is told about, in the contract's envelope.
public struct ServiceError: Error, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    public var details: [String: String]

    public init(_ code: ErrorCode, _ message: String, details: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    public static func validation(_ message: String, field: String) -> ServiceError {
        ServiceError(.validationError, message, details: ["field": field])
    }

    public static func notFound(_ message: String = "not found") -> ServiceError {
        ServiceError(.notFound, message)
    }

    /// No byte of the object (`size` bytes) lies in the requested range.
    public static func rangeNotSatisfiable(size: Int64) -> ServiceError {
        ServiceError(.rangeNotSatisfiable, "the requested range lies outside the object (\(size) bytes)", details: ["size": String(size)])
    }

    /// A dependency cannot be reached: `database`, `redis` or `storage`.
    public static func unavailable(_ dependency: String, _ message: String? = nil) -> ServiceError {
        ServiceError(.unavailable, message ?? "\(dependency) is unavailable", details: ["dependency": dependency])
    }
}
