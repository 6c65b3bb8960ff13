/// Object keys: `{orgSlug}/{mediaId}/{name}` with names such as `original.jpg`,
/// `thumbnail.jpg`, or after a crop `original-v2.jpg`. Keys that clients send are checked
/// here before anything touches S3 or the database.
public struct ObjectKey: Sendable, Equatable {
    public let orgSlug: String
    public let mediaId: String
    public let name: String

    public init(orgSlug: String, mediaId: String, name: String) {
        self.orgSlug = orgSlug
        self.mediaId = mediaId
        self.name = name
    }

    public var text: String { "\(orgSlug)/\(mediaId)/\(name)" }
    public var folder: String { "\(orgSlug)/\(mediaId)" }

    /// The key of an original: version 1 is `original.ext`, later ones `original-vN.ext`, so
    /// replaced bytes never reuse a key that caches may hold as immutable.
    public static func original(orgSlug: String, mediaId: String, version: Int, fileExtension: String) -> ObjectKey {
        ObjectKey(orgSlug: orgSlug, mediaId: mediaId, name: "\(versioned("original", version)).\(fileExtension)")
    }

    public static func variant(orgSlug: String, mediaId: String, variant: String, version: Int, fileExtension: String) -> ObjectKey {
        ObjectKey(orgSlug: orgSlug, mediaId: mediaId, name: "\(versioned(variant, version)).\(fileExtension)")
    }

    /// A transform's output, stored once under the media's folder: `t-v{version}-{digest}.{ext}`.
    /// The digest is of the normalised options and format, so equivalent URLs share it; the
    /// version is the original's, so a crop's new original never meets an old derivative, and a
    /// delete of the folder takes every derivative with it.
    public static func derivative(orgSlug: String, mediaId: String, version: Int, digest: String, fileExtension: String) -> ObjectKey {
        ObjectKey(orgSlug: orgSlug, mediaId: mediaId, name: "t-v\(version)-\(digest).\(fileExtension)")
    }

    /// The original's version a derivative was made from, or nil for any other name.
    public static func derivativeVersion(name: String) -> Int? {
        guard name.hasPrefix("t-v"), let dash = name.dropFirst(3).firstIndex(of: "-") else { return nil }
        return Int(name[name.index(name.startIndex, offsetBy: 3)..<dash])
    }

    /// Where a presigned upload's client PUTs its bytes: `_staging/{orgSlug}/{mediaId}` in the
    /// private bucket, which no CDN serves. `_` is never part of a slug, so no media key can
    /// name it; `complete` inspects what arrived and writes the media's own objects itself.
    public static let stagingPrefix = "_staging/"

    public static func staging(orgSlug: String, mediaId: String) -> String { "\(stagingPrefix)\(orgSlug)/\(mediaId)" }

    /// `{orgSlug, mediaId}` of a staging key, or nil for any other key.
    public static func parseStaging(_ key: String) -> (orgSlug: String, mediaId: String)? {
        guard key.hasPrefix(stagingPrefix) else { return nil }
        return parseFolder(String(key.dropFirst(stagingPrefix.count)))
    }

    private static func versioned(_ base: String, _ version: Int) -> String { version <= 1 ? base : "\(base)-v\(version)" }

    /// Parses a key a client sent. `nil` (→ 400/404) for anything that is not exactly the
    /// service's layout: `..`, leading `/`, empty segments, control characters, extra depth.
    public static func parse(_ text: String) -> ObjectKey? {
        guard (1...255).contains(text.utf8.count), text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
        let segments = text.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 3 else { return nil }
        let (slug, id, name) = (String(segments[0]), String(segments[1]), String(segments[2]))
        guard Organization.isValidSlug(slug), Identifier.isWellFormed(id), isValidName(name) else { return nil }
        return ObjectKey(orgSlug: slug, mediaId: id, name: name)
    }

    /// A folder a client sent: `{orgSlug}/{mediaId}`.
    public static func parseFolder(_ text: String) -> (orgSlug: String, mediaId: String)? {
        let segments = text.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 2, Organization.isValidSlug(String(segments[0])), Identifier.isWellFormed(String(segments[1])) else {
            return nil
        }
        return (String(segments[0]), String(segments[1]))
    }

    private static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...64).contains(bytes.count), bytes.first != UInt8(ascii: "."), !name.contains("..") else { return false }
        return bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || "._-".utf8.contains($0) }
    }
}
