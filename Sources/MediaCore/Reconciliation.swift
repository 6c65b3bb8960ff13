/// The rules of `mediactl reconcile`: how the database's media rows and the buckets' objects
/// are compared. Pure: the command lists objects and reads rows page by page, and asks these
/// functions what each object and row is.
public enum Reconciliation {
    /// How old things must be before they count: anything younger may belong to an upload,
    /// crop or delete in progress, and is left alone.
    public struct Policy: Sendable, Equatable {
        /// Objects, and rows changed more recently than this, are skipped.
        public var graceSeconds: Double
        /// A `pending` media (presigned upload never completed) older than this is stale.
        public var pendingSeconds: Double

        public init(graceSeconds: Double = 3600, pendingSeconds: Double = 24 * 3600) {
            self.graceSeconds = graceSeconds
            self.pendingSeconds = pendingSeconds
        }
    }

    /// One object of a bucket listing.
    public struct StoredObject: Sendable, Equatable {
        public var bucket: String
        public var key: String
        public var ageSeconds: Double

        public init(bucket: String, key: String, ageSeconds: Double) {
            self.bucket = bucket
            self.key = key
            self.ageSeconds = ageSeconds
        }
    }

    /// What reconcile needs of a media row; ages are measured by the database's clock.
    public struct Row: Sendable, Equatable {
        public var id: String
        public var organizationId: String
        public var orgSlug: String
        public var bucket: String
        public var objectKey: String
        public var status: MediaStatus
        public var mimeType: String
        /// The original's version: derivatives of it are claimed, older ones are stale.
        public var version: Int
        /// Variant name → object key.
        public var variants: [String: String]
        public var createdAgeSeconds: Double
        public var updatedAgeSeconds: Double
        /// Set when a delete marked the row (`deleting_at`).
        public var deletingAgeSeconds: Double?

        public init(id: String, organizationId: String, orgSlug: String, bucket: String, objectKey: String, version: Int = 1,
                    status: MediaStatus, mimeType: String = "image/jpeg", variants: [String: String] = [:], createdAgeSeconds: Double,
                    updatedAgeSeconds: Double, deletingAgeSeconds: Double? = nil) {
            (self.id, self.organizationId, self.orgSlug) = (id, organizationId, orgSlug)
            (self.bucket, self.objectKey, self.status, self.mimeType, self.version) = (bucket, objectKey, status, mimeType, version)
            (self.variants, self.createdAgeSeconds) = (variants, createdAgeSeconds)
            (self.updatedAgeSeconds, self.deletingAgeSeconds) = (updatedAgeSeconds, deletingAgeSeconds)
        }

        /// `{orgSlug}/{id}`: the folder holding every object of this media.
        public var folder: String { "\(orgSlug)/\(id)" }

        /// Every key the row claims (original and variants), all in `bucket`.
        public var claimedKeys: Set<String> { Set([objectKey] + variants.values) }
    }

    /// What an object of a listing is.
    public enum ObjectVerdict: Sendable, Equatable {
        /// Referenced by its media row.
        case claimed
        /// Younger than the grace period: left alone.
        case young
        /// Not in the service's `{orgSlug}/{id}/…` layout: someone else's, never touched.
        case foreign
        /// Its folder has no media row (or the row is another organization's).
        case orphan
        /// Its media row exists but does not reference it (an old version, a copy left in the
        /// other bucket by an interrupted privacy move, a variant no longer recorded).
        case stale
        /// Its media row is being deleted: handled with the row.
        case deleting
    }

    /// What a media row is, given the keys that exist in its bucket under its folder.
    public enum RowVerdict: Sendable, Equatable {
        case consistent
        /// Changed within the grace period, or a pending upload still within its time.
        case young
        /// A delete marked it and did not finish.
        case interruptedDelete
        /// A presigned upload that was never completed, older than the pending limit.
        case stalePending
        /// The original's object is gone (the row cannot be served).
        case missingOriginal
        /// The original is gone and the row already says `failed`: reported, not counted.
        case failedWithoutOriginal
        /// Variant rows whose objects are gone, by name.
        case missingVariants([String])
    }

    /// `{orgSlug}/{id}` of a key in the service's layout, or nil.
    public static func folder(ofKey key: String) -> (orgSlug: String, mediaId: String)? {
        let segments = key.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard segments.count == 3, !segments[2].isEmpty else { return nil }
        return ObjectKey.parseFolder("\(segments[0])/\(segments[1])")
    }

    public static func classify(_ object: StoredObject, row: Row?, policy: Policy) -> ObjectVerdict {
        guard let folder = folder(ofKey: object.key) else { return .foreign }
        if object.ageSeconds < policy.graceSeconds { return .young }
        guard let row, row.id == folder.mediaId, row.orgSlug == folder.orgSlug else { return .orphan }
        if row.deletingAgeSeconds != nil { return .deleting }
        if object.bucket == row.bucket && row.claimedKeys.contains(object.key) { return .claimed }
        // A transform's derivative of the current original (one of an old version is stale).
        if object.bucket == row.bucket, let name = object.key.split(separator: "/").last,
           ObjectKey.derivativeVersion(name: String(name)) == row.version { return .claimed }
        // A row changed just now may reference keys (or give up keys) the listing did not see yet.
        if row.updatedAgeSeconds < policy.graceSeconds { return .young }
        return .stale
    }

    /// A presigned upload's staged object (`ObjectKey.staging`): kept while its media waits for
    /// `complete`, else unclaimed once past the grace (a PUT replayed after `complete` or a
    /// delete, or one that `complete` could not remove). Rows that stay pending are removed
    /// with their staged object by the pending rule.
    public static func classifyStaged(_ object: StoredObject, row: Row?, policy: Policy) -> ObjectVerdict {
        guard let staged = ObjectKey.parseStaging(object.key) else { return .foreign }
        if let row, row.id == staged.mediaId, row.orgSlug == staged.orgSlug, row.status == .pending, row.deletingAgeSeconds == nil {
            return .claimed
        }
        return object.ageSeconds < policy.graceSeconds ? .young : .orphan
    }

    /// `existingKeys`: the keys found in the row's bucket under its folder.
    public static func evaluate(_ row: Row, existingKeys: Set<String>, policy: Policy) -> RowVerdict {
        if let deletingAge = row.deletingAgeSeconds {
            return deletingAge < policy.graceSeconds ? .young : .interruptedDelete
        }
        if row.status == .pending {
            return row.createdAgeSeconds < policy.pendingSeconds ? .young : .stalePending
        }
        if row.updatedAgeSeconds < policy.graceSeconds { return .young }
        if !existingKeys.contains(row.objectKey) {
            return row.status == .failed ? .failedWithoutOriginal : .missingOriginal
        }
        let missing = row.variants.filter { !existingKeys.contains($0.value) }.map(\.key).sorted()
        return missing.isEmpty ? .consistent : .missingVariants(missing)
    }

    /// Whether evaluating the row needs its objects (pending and deleting rows do not).
    public static func needsObjects(_ row: Row, policy: Policy) -> Bool {
        row.deletingAgeSeconds == nil && row.status != .pending && row.updatedAgeSeconds >= policy.graceSeconds
    }

    /// Splits a listing page so that a folder is never judged on part of its objects: the
    /// objects of the page's last folder are held back for the next page, unless the
    /// listing is complete. Keys outside the layout are never held back.
    public static func holdBackLastFolder(_ objects: [StoredObject], listingComplete: Bool)
        -> (ready: [StoredObject], carried: [StoredObject]) {
        guard !listingComplete, let last = objects.last, let lastFolder = folder(ofKey: last.key) else { return (objects, []) }
        let prefix = "\(lastFolder.orgSlug)/\(lastFolder.mediaId)/"
        let split = objects.lastIndex { !$0.key.hasPrefix(prefix) }.map { $0 + 1 } ?? 0
        return (Array(objects[..<split]), Array(objects[split...]))
    }

    /// The counts of one run and how it ends.
    public struct Summary: Sendable, Equatable {
        public var rowsChecked = 0
        public var objectsChecked = 0
        /// Objects rows reference that do not exist (originals and variants).
        public var missing = 0
        public var orphans = 0
        public var stale = 0
        public var pending = 0
        public var deleting = 0
        /// Live media whose filename's search index rows are missing or wrong.
        public var unindexed = 0
        /// Organizations whose live media counter differs from their rows.
        public var miscounted = 0
        /// Problems repaired by `--fix`.
        public var fixed = 0

        public init() {}

        public var problems: Int { missing + orphans + stale + pending + deleting + unindexed + miscounted }

        /// 0 when consistent or everything found was fixed, 1 otherwise.
        public var exitCode: Int32 { problems > fixed ? 1 : 0 }

        /// The last line of the report, for scripts and monitoring.
        public var line: String {
            "reconcile: checked \(rowsChecked) rows, \(objectsChecked) objects; missing \(missing), orphans \(orphans), "
                + "stale \(stale), pending \(pending), deleting \(deleting), unindexed \(unindexed), miscounted \(miscounted), "
                + "fixed \(fixed)"
        }
    }
}

/// A set of media ids kept compactly (16 bytes per id), so that a run over millions of rows
/// remembers which it has already checked without holding their strings.
public struct MediaIdSet: Sendable {
    private struct Packed: Hashable, Sendable {
        let high: UInt64
        let low: UInt64
    }

    private var packed: Set<Packed> = []
    private var other: Set<String> = []

    public init() {}

    public var count: Int { packed.count + other.count }

    public mutating func insert(_ id: String) {
        if let value = Self.pack(id) { packed.insert(value) } else { other.insert(id) }
    }

    public func contains(_ id: String) -> Bool {
        if let value = Self.pack(id) { return packed.contains(value) }
        return other.contains(id)
    }

    /// A well-formed id's 32 hex digits as two integers.
    private static func pack(_ id: String) -> Packed? {
        guard Identifier.isWellFormed(id) else { return nil }
        var words: [UInt64] = [0, 0]
        var digits = 0
        for byte in id.utf8 where byte != UInt8(ascii: "-") {
            let nibble = UInt64(byte <= 0x39 ? byte - 0x30 : byte - 0x61 + 10)
            words[digits / 16] = words[digits / 16] << 4 | nibble
            digits += 1
        }
        return Packed(high: words[0], low: words[1])
    }
}
