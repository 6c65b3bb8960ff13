import Foundation

/// The state of one resumable upload (tus, or presigned multipart), kept in MariaDB so any
/// host can continue it. Its bytes are one S3 multipart upload to the media's staging key
/// (`ObjectKey.staging`): parts of exactly `partSize` bytes as they fill, the bytes of the
/// part not yet full (the tail) in a small object of their own until the next request.
/// So the state is the offset alone: part n holds bytes [(n-1)·partSize, n·partSize).
public struct ResumableUpload: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case tus
        /// The browser PUTs parts straight to S3 (presigned part URLs).
        case presigned
    }

    /// One part S3 holds.
    public struct Part: Sendable, Equatable {
        public var number: Int
        public var etag: String
        public var size: Int

        public init(number: Int, etag: String, size: Int) { (self.number, self.etag, self.size) = (number, etag, size) }
    }

    public var mediaId: String
    public var organizationId: String
    public var orgSlug: String
    public var kind: Kind
    /// The S3 multipart upload's id.
    public var multipartId: String
    /// nil until the client tells it (tus creation-defer-length).
    public var length: Int?
    /// Bytes stored so far.
    public var offset: Int
    public var partSize: Int
    /// `Upload-Metadata` as the client sent it (HEAD repeats it).
    public var metadata: String
    public var generateVariants: Bool
    public var expiresAt: Date

    public init(mediaId: String, organizationId: String, orgSlug: String, kind: Kind, multipartId: String, length: Int?,
                offset: Int = 0, partSize: Int, metadata: String = "", generateVariants: Bool = false, expiresAt: Date) {
        self.mediaId = mediaId
        self.organizationId = organizationId
        self.orgSlug = orgSlug
        self.kind = kind
        self.multipartId = multipartId
        self.length = length
        self.offset = offset
        self.partSize = partSize
        self.metadata = metadata
        self.generateVariants = generateVariants
        self.expiresAt = expiresAt
    }

    /// S3's smallest part (all but the last) and its largest part count.
    public static let minimumPartSize = 5 << 20
    public static let maximumParts = 10_000

    /// Parts of 8 MiB (what boto3 uses), larger when `length` (or the limit, while the length
    /// is unknown) needs more than 10,000 of them; whole MiB.
    public static func partSize(length: Int?, maxBytes: Int) -> Int {
        let needed = ((length ?? maxBytes) + maximumParts - 1) / maximumParts
        let mebibyte = 1 << 20
        return max(8 * mebibyte, (needed + mebibyte - 1) / mebibyte * mebibyte)
    }

    /// Full parts stored.
    public var fullParts: Int { offset / partSize }
    /// Bytes of the tail (the part not yet full).
    public var tailBytes: Int { offset % partSize }
    public var isComplete: Bool { length == offset }

    /// Where the tail of part `partNumber` waits: named by its part, so a request that fills
    /// the part and starts the next one never overwrites the tail the stored offset still
    /// counts on (a tail rewritten for the same part only grows: its first bytes stay).
    public static func tailKey(orgSlug: String, mediaId: String, partNumber: Int) -> String {
        "\(tailFolder(orgSlug: orgSlug, mediaId: mediaId))tail-\(partNumber)"
    }

    /// `_resumable/{orgSlug}/{mediaId}/`: every tail of one upload (the private bucket).
    public static func tailFolder(orgSlug: String, mediaId: String) -> String { "\(tailPrefix)\(orgSlug)/\(mediaId)/" }
    public static let tailPrefix = "_resumable/"

    public var tailKey: String { Self.tailKey(orgSlug: orgSlug, mediaId: mediaId, partNumber: fullParts + 1) }
}
