/// The headers of one part of a `multipart/form-data` body.
public struct MultipartPart: Sendable, Equatable {
    /// The form field name.
    public var name: String
    /// The client's filename, when the part is a file (never trusted as a path).
    public var filename: String?
    /// The declared type, when given (never trusted as the real type).
    public var contentType: String?

    public init(name: String, filename: String? = nil, contentType: String? = nil) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
    }

    public var isFile: Bool { filename != nil }
}

public struct MultipartLimits: Sendable {
    /// Bytes of headers one part may have.
    public var maxHeaderBytes = 16 * 1024
    /// Parts one body may have.
    public var maxParts = 100

    public init(maxHeaderBytes: Int = 16 * 1024, maxParts: Int = 100) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxParts = maxParts
    }
}

public enum MultipartEvent {
    case begin(MultipartPart)
    /// Some bytes of the current part's body, in order; valid only during the call.
    case data(UnsafeRawBufferPointer)
    case end
}
