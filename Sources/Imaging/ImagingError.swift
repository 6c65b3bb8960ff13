import CVips
import MediaCore

/// Why an image operation failed, in terms the HTTP layer maps to the contract.
public enum ImagingError: Error, Sendable, Equatable {
    /// The bytes are not an image type this service decodes (SVG, PDF, HTML, unknown, or a
    /// format not allowed by configuration) → 415 `unsupported_media_type`.
    case unsupportedType(FileType)
    /// The bytes claim to be an image but cannot be decoded (truncated, corrupt, bad header)
    /// → 422 `invalid_image`.
    case invalidImage(reason: String)
    /// More pixels than allowed (width × height × decoded frames) → 422 `invalid_image`.
    case tooManyPixels(pixels: Int, limit: Int)
    /// The crop rectangle or its parameters do not fit the image → 422 `invalid_crop`.
    case invalidCrop(reason: String)
    /// The source file could not be read (a local I/O problem, not the client's) → 500.
    case sourceUnavailable(reason: String)

    /// The contract error for this failure.
    public var serviceError: ServiceError {
        switch self {
        case .unsupportedType(let type):
            ServiceError(.unsupportedMediaType, "files of type \(type.mimeType) cannot be processed as images",
                         details: ["type": type.mimeType])
        case .invalidImage(let reason):
            ServiceError(.invalidImage, "the image cannot be decoded: \(reason)")
        case .tooManyPixels(let pixels, let limit):
            ServiceError(.invalidImage, "the image has \(pixels) pixels, more than the limit of \(limit)",
                         details: ["pixels": String(pixels), "limit": String(limit)])
        case .invalidCrop(let reason):
            ServiceError(.invalidCrop, reason)
        case .sourceUnavailable(let reason):
            ServiceError(.internalError, "the image could not be read: \(reason)")
        }
    }
}

/// libvips' error buffer is process-wide: read it right after a failure, then clear it.
enum VipsErrorBuffer {
    static func take() -> String {
        let message = vips_error_buffer().map { String(cString: $0) } ?? ""
        vips_error_clear()
        let trimmed = message.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        return trimmed.isEmpty ? "libvips failed without a message" : trimmed.joined(separator: "; ")
    }

    static func invalidImage(_ context: String) -> ImagingError {
        .invalidImage(reason: "\(context): \(take())")
    }
}
