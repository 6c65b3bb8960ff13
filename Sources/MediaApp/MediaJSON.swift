import MediaCore
import MediaHTTP

/// The contract's JSON for media and variants. Private media have no public URLs.
public struct MediaJSON: Sendable {
    public let cdnBaseURL: String

    public init(cdnBaseURL: String) { self.cdnBaseURL = cdnBaseURL }

    public func url(for objectKey: String, isPrivate: Bool) -> JSONValue {
        isPrivate ? .null : .string("\(cdnBaseURL)/\(objectKey)")
    }

    public func media(_ media: Media) -> JSONValue {
        .object([
            ("id", .string(media.id)),
            ("orgSlug", .string(media.orgSlug)),
            ("bucket", .string(media.bucket)),
            ("objectKey", .string(media.objectKey)),
            ("filename", .string(media.filename)),
            ("mimeType", .string(media.mimeType)),
            ("size", .optional(media.size)),
            ("width", .optional(media.width)),
            ("height", .optional(media.height)),
            ("checksum", .optional(media.checksum)),
            ("alt", .optional(media.alt)),
            ("caption", .optional(media.caption)),
            ("description", .optional(media.description)),
            ("isPrivate", .bool(media.isPrivate)),
            ("status", .string(media.status.rawValue)),
            ("url", url(for: media.objectKey, isPrivate: media.isPrivate)),
            ("variants", .array(media.variants.map { variant($0, isPrivate: media.isPrivate) })),
            ("createdAt", .string(media.createdAt)),
            ("updatedAt", .string(media.updatedAt)),
        ])
    }

    public func variant(_ variant: MediaVariant, isPrivate: Bool) -> JSONValue {
        .object([
            ("name", .string(variant.name)),
            ("objectKey", .string(variant.objectKey)),
            ("url", url(for: variant.objectKey, isPrivate: isPrivate)),
            ("mimeType", .string(variant.mimeType)),
            ("size", .int(variant.size)),
            ("width", .int(variant.width)),
            ("height", .int(variant.height)),
        ])
    }
}
