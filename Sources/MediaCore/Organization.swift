public struct Organization: Sendable, Equatable {
    public let id: String
    public let slug: String
    public let name: String

    public init(id: String, slug: String, name: String) {
        self.id = id
        self.slug = slug
        self.name = name
    }

    /// Slugs are the first segment of every object key: lowercase letters, digits and
    /// single hyphens, 2–64 characters, so they are safe in URLs and S3 keys alike.
    public static func isValidSlug(_ slug: String) -> Bool {
        let bytes = Array(slug.utf8)
        guard (2...64).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
        var previousHyphen = false
        for byte in bytes {
            let isHyphen = byte == UInt8(ascii: "-")
            let allowed = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || isHyphen
            if !allowed || (isHyphen && previousHyphen) { return false }
            previousHyphen = isHyphen
        }
        return true
    }
}
