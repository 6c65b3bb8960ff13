/// Where a media item stands (contract: "The media object").
public enum MediaStatus: String, Sendable {
    case pending, processing, ready, failed
}

public struct MediaVariant: Sendable, Equatable {
    public var name: String
    public var objectKey: String
    public var mimeType: String
    public var size: Int
    public var width: Int
    public var height: Int

    public init(name: String, objectKey: String, mimeType: String, size: Int, width: Int, height: Int) {
        self.name = name
        self.objectKey = objectKey
        self.mimeType = mimeType
        self.size = size
        self.width = width
        self.height = height
    }
}

extension MediaVariant {
    private static let contractOrder = VariantSpec.defaults.map(\.name)

    /// The contract's variants in its order (thumbnail … original_webp), then any others an
    /// operator configured, by name: the order answers list them in.
    public static func inDisplayOrder(_ variants: [MediaVariant]) -> [MediaVariant] {
        func rank(_ variant: MediaVariant) -> Int { contractOrder.firstIndex(of: variant.name) ?? contractOrder.count }
        return variants.sorted { (rank($0), $0.name) < (rank($1), $1.name) }
    }
}

public struct Media: Sendable, Equatable {
    public var id: String
    public var organizationId: String
    public var orgSlug: String
    public var bucket: String
    public var objectKey: String
    public var version: Int
    public var filename: String
    /// What the original is, sniffed when it was stored: the one answer to "is this an image?".
    public var fileType: FileType
    public var size: Int?
    public var width: Int?
    public var height: Int?
    public var checksum: String?
    public var alt: String?
    public var caption: String?
    public var description: String?
    public var isPrivate: Bool
    public var status: MediaStatus
    public var variants: [MediaVariant]
    /// RFC 3339 UTC, as the contract shows them.
    public var createdAt: String
    public var updatedAt: String

    public init(id: String, organizationId: String, orgSlug: String, bucket: String, objectKey: String, version: Int = 1,
                filename: String, mimeType: String, size: Int?, width: Int?, height: Int?, checksum: String?,
                alt: String? = nil, caption: String? = nil, description: String? = nil, isPrivate: Bool,
                status: MediaStatus, variants: [MediaVariant] = [], createdAt: String, updatedAt: String) {
        self.id = id
        self.organizationId = organizationId
        self.orgSlug = orgSlug
        self.bucket = bucket
        self.objectKey = objectKey
        self.version = version
        self.filename = filename
        self.fileType = FileType(mimeType: mimeType)
        self.size = size
        self.width = width
        self.height = height
        self.checksum = checksum
        self.alt = alt
        self.caption = caption
        self.description = description
        self.isPrivate = isPrivate
        self.status = status
        self.variants = variants
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The original's Content-Type, as stored and answered.
    public var mimeType: String {
        get { fileType.mimeType }
        set { fileType = FileType(mimeType: newValue) }
    }

    /// `{orgSlug}/{id}`: every object of this media lives under it.
    public var folder: String { "\(orgSlug)/\(id)" }
}
