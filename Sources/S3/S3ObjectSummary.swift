/// One object in a listing.
public struct S3ObjectSummary: Sendable, Equatable {
    public var key: String
    public var size: Int64
    public var eTag: String?
    /// ISO 8601, as S3 lists it.
    public var lastModified: String?

    public init(key: String, size: Int64, eTag: String? = nil, lastModified: String? = nil) {
        self.key = key
        self.size = size
        self.eTag = eTag
        self.lastModified = lastModified
    }
}

/// One page of ListObjectsV2.
public struct S3ListObjectsV2Page: Sendable, Equatable {
    public var objects: [S3ObjectSummary]
    /// With a delimiter: the "folders" rolled up under it.
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    /// Pass it back as `continuationToken` for the next page (nil on the last page).
    public var nextContinuationToken: String?

    public init(objects: [S3ObjectSummary], commonPrefixes: [String], isTruncated: Bool, nextContinuationToken: String?) {
        self.objects = objects
        self.commonPrefixes = commonPrefixes
        self.isTruncated = isTruncated
        self.nextContinuationToken = nextContinuationToken
    }
}
