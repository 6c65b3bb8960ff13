import Foundation
import MediaCore
import MediaInfra
import S3

/// `mediactl reconcile`: compares the media rows with the objects of the public and private
/// buckets, reports what does not match, and with `fix` repairs it. Safe on a live system:
/// whatever is younger than the grace period is left alone (uploads, crops and deletes in
/// flight), candidates for "missing" are listed again just before they are reported, and
/// every repair is one the service itself would make.
///
/// Memory and requests stay bounded however large the installation:
/// 1. each bucket is listed page by page (1000 keys); the rows of a page's folders are read
///    in one lookup by id; the page's orphan and stale objects are judged (and deleted) at
///    once, and so is every row whose folder appeared (its objects are all in the page, a
///    folder cut by the page end being carried to the next page);
/// 2. the rows are then read by primary key, 500 at a time; only rows that had no object
///    at all in their bucket (remembered in a compact id set) cost a LIST of their folder.
public final class Reconciler {
    public struct Options: Sendable {
        public var orgSlug: String?
        public var fix: Bool
        public var policy: Reconciliation.Policy
        /// Only the filename index and the counts (no bucket is listed): after rows were
        /// loaded behind the service's back, say.
        public var searchIndexOnly: Bool

        public init(orgSlug: String? = nil, fix: Bool = false, policy: Reconciliation.Policy = Reconciliation.Policy(),
                    searchIndexOnly: Bool = false) {
            self.orgSlug = orgSlug
            self.fix = fix
            self.policy = policy
            self.searchIndexOnly = searchIndexOnly
        }
    }

    static let rowPageSize = 500
    /// A folder with more objects than this is judged in parts rather than held in memory.
    static let carryLimit = 10_000

    // Internal, not private: the resumable uploads' sweep (Reconciler+Resumable.swift) reports through them.
    let resources: ServiceResources
    let options: Options
    let output: (String) -> Void
    var summary = Reconciliation.Summary()
    private var judgedRows = MediaIdSet()
    var organization: Organization?

    public init(resources: ServiceResources, options: Options, output: @escaping (String) -> Void) {
        self.resources = resources
        self.options = options
        self.output = output
    }

    private var store: MediaStore { resources.media }
    var policy: Reconciliation.Policy { options.policy }

    public func run() throws -> Reconciliation.Summary {
        if let slug = options.orgSlug {
            guard let found = try OrganizationStore(database: resources.database).find(slug: slug) else {
                throw AdminCommands.UsageError(message: "no organization \(slug)")
            }
            organization = found
        }
        let storage = resources.config.storage
        output("reconcile: \(options.fix ? "repairing" : "checking (no changes; --fix repairs)") "
               + "\(organization.map { "organization \($0.slug)" } ?? "every organization") in buckets \(storage.bucket) and "
               + "\(storage.privateBucket); grace \(Int(policy.graceSeconds / 60)) min, pending after \(Int(policy.pendingSeconds / 3600)) h")
        let orgPrefix = organization.map { "\($0.slug)/" } ?? ""
        if !options.searchIndexOnly {
            // First: an expired upload's pending media and staged parts go with it.
            try sweepResumableUploads(orgPrefix: orgPrefix)
            for bucket in [storage.bucket, storage.privateBucket] { try scanBucket(bucket, prefix: orgPrefix) }
            try scanBucket(storage.privateBucket, prefix: ObjectKey.stagingPrefix + orgPrefix, staged: true)
            try scanRows()
        }
        try scanSearchIndex()
        output(summary.line)
        return summary
    }

    // MARK: - Pass 1: objects

    /// `staged`: the presigned uploads' staging area (`ObjectKey.staging`), judged by
    /// `classifyStaged`; elsewhere its keys are outside the layout and left alone.
    private func scanBucket(_ bucket: String, prefix: String, staged: Bool = false) throws {
        let client = try resources.storage()
        var token: String?
        var carried: [Reconciliation.StoredObject] = []
        repeat {
            let page = try client.listObjectsV2(bucket: bucket, prefix: prefix.isEmpty ? nil : prefix,
                                                continuationToken: token, maxKeys: 1000)
            token = page.isTruncated ? page.nextContinuationToken : nil
            let now = Date()
            summary.objectsChecked += page.objects.count
            let objects = carried + page.objects.map {
                Reconciliation.StoredObject(bucket: bucket, key: $0.key, ageSeconds: Self.age(of: $0.lastModified, now: now))
            }
            var (ready, carry) = Reconciliation.holdBackLastFolder(objects, listingComplete: token == nil)
            if carry.count > Self.carryLimit {
                ready += carry
                carry = []
            }
            carried = carry
            try judge(ready, in: bucket, staged: staged)
        } while token != nil
    }

    private func judge(_ objects: [Reconciliation.StoredObject], in bucket: String, staged: Bool) throws {
        guard !objects.isEmpty else { return }
        let folderOf = staged ? ObjectKey.parseStaging : Reconciliation.folder(ofKey:)
        var ids: [String] = []
        var seen = Set<String>()
        for object in objects {
            if let folder = folderOf(object.key), seen.insert(folder.mediaId).inserted { ids.append(folder.mediaId) }
        }
        let rows = try store.reconcileRows(ids: ids)
        var unclaimed: [String] = []
        var present: [String: Set<String>] = [:]
        for object in objects {
            let folder = folderOf(object.key)
            let row = folder.flatMap { rows[$0.mediaId] }
            let verdict = staged ? Reconciliation.classifyStaged(object, row: row, policy: policy)
                                 : Reconciliation.classify(object, row: row, policy: policy)
            switch verdict {
            case .orphan:
                summary.orphans += 1
                unclaimed.append(object.key)
                output("orphan    \(bucket)/\(object.key): " + (staged ? "a presigned upload no pending media waits for" : "no media row claims it"))
            case .stale:
                summary.stale += 1
                unclaimed.append(object.key)
                output("stale     \(bucket)/\(object.key): media \(row?.id ?? "") does not reference it")
            case .claimed, .young, .foreign, .deleting:
                break
            }
            if !staged, let row, let folder, row.bucket == bucket, row.orgSlug == folder.orgSlug {
                present[row.id, default: []].insert(object.key)
            }
        }
        if options.fix && !unclaimed.isEmpty {
            try resources.storage().deleteObjects(bucket: bucket, keys: unclaimed)
            summary.fixed += unclaimed.count
            output("fixed     deleted \(unclaimed.count) unclaimed object\(unclaimed.count == 1 ? "" : "s") from \(bucket)")
        }
        for id in ids {
            guard let row = rows[id], let keys = present[id], !judgedRows.contains(id) else { continue }
            judgedRows.insert(id)
            try judge(row, existingKeys: keys, listedJustNow: false)
        }
    }

    // MARK: - Pass 2: rows

    private func scanRows() throws {
        var after = ""
        while true {
            let rows = try store.reconcileRows(after: after, organizationId: organization?.id, limit: Self.rowPageSize)
            for row in rows {
                summary.rowsChecked += 1
                guard !judgedRows.contains(row.id) else { continue }
                let keys = Reconciliation.needsObjects(row, policy: policy) ? try keysUnder(row) : []
                try judge(row, existingKeys: keys, listedJustNow: true)
            }
            guard rows.count == Self.rowPageSize, let last = rows.last else { return }
            after = last.id
        }
    }

    /// The filename index and the live counts, which the rows' writes keep in step: checked
    /// page by page (bounded memory), after the passes above finished interrupted deletes.
    /// What is younger than the grace period is left alone here too (a test or an operator
    /// writing behind the service's back is not raced by media-worker's own pass).
    private func scanSearchIndex() throws {
        let index = MediaSearchIndex(database: resources.database)
        var after: String? = ""
        while let start = after {
            let page = try index.unindexed(after: start, organizationId: organization?.id, limit: Self.rowPageSize,
                                           graceSeconds: policy.graceSeconds)
            for media in page.media {
                summary.unindexed += 1
                output("unindexed \(media.id): the search index rows of \"\(media.filename)\" are not its filename's grams with its type")
                try repair(media.id) {
                    try index.reindex(mediaIds: [media.id])
                    return "filename indexed"
                }
            }
            after = page.next
        }
        for count in try index.miscounted(organizationId: organization?.id, graceSeconds: policy.graceSeconds) {
            summary.miscounted += 1
            output("miscounted \(count.slug): the counter says \(count.counted) live media, the rows \(count.actual)")
            try repair(count.slug) {
                try index.recount(organizationId: count.organizationId)
                return "counted again"
            }
        }
    }

    private func keysUnder(_ row: Reconciliation.Row) throws -> Set<String> {
        Set(try resources.storage().listAllObjects(bucket: row.bucket, prefix: "\(row.folder)/").map(\.key))
    }

    // MARK: - Rows

    private func judge(_ row: Reconciliation.Row, existingKeys: Set<String>, listedJustNow: Bool) throws {
        var row = row
        var verdict = Reconciliation.evaluate(row, existingKeys: existingKeys, policy: policy)
        switch verdict {
        case .missingOriginal, .missingVariants:
            guard !listedJustNow else { break }
            // The listing may predate a crop that committed since: look again before reporting.
            guard let fresh = try store.reconcileRows(ids: [row.id])[row.id] else { return }
            row = fresh
            verdict = Reconciliation.evaluate(row, existingKeys: try keysUnder(row), policy: policy)
        default:
            break
        }
        let label = "\(row.bucket)/\(row.folder)"
        switch verdict {
        case .consistent, .young:
            return
        case .failedWithoutOriginal:
            output("note      \(label): failed media without its original (left as failed)")
        case .interruptedDelete:
            summary.deleting += 1
            output("deleting  \(label): a delete started \(Self.duration(row.deletingAgeSeconds ?? 0)) ago did not finish")
            try repair(label) {
                try finishDelete(row)
                return "delete finished"
            }
        case .stalePending:
            // A resumable upload's media waits as long as its upload lives (the sweep removes both).
            if try ResumableUploadStore(database: resources.database).find(mediaId: row.id, organizationId: row.organizationId) != nil {
                return
            }
            summary.pending += 1
            output("pending   \(label): presigned upload never completed (\(Self.duration(row.createdAgeSeconds)) old)")
            try repair(label) {
                try finishDelete(row)
                return "pending media and its objects removed"
            }
        case .missingOriginal:
            summary.missing += 1
            output("missing   \(row.bucket)/\(row.objectKey): the original of media \(row.id) (status \(row.status.rawValue))")
            try repair(label) {
                try store.setStatus(id: row.id, organizationId: row.organizationId, .failed)
                return "marked failed"
            }
        case .missingVariants(let names):
            summary.missing += names.count
            for name in names {
                output("missing   \(row.bucket)/\(row.variants[name] ?? ""): variant \(name) of media \(row.id)")
            }
            try repair(label, problems: names.count) {
                try store.deleteVariants(mediaId: row.id, organizationId: row.organizationId, names: names)
                return "dropped \(names.count) variant row\(names.count == 1 ? "" : "s"); \(requeueVariants(row))"
            }
        }
    }

    /// With `--fix`: runs `action` (which answers what it did), counts `problems` as fixed and
    /// reports it; without, nothing.
    private func repair(_ label: String, problems: Int = 1, _ action: () throws -> String) throws {
        guard options.fix else { return }
        let done = try action()
        summary.fixed += problems
        output("fixed     \(label): \(done)")
    }

    /// Delete as the API does (mark, remove the folder in both buckets, drop the row); a row
    /// already gone is done.
    private func finishDelete(_ row: Reconciliation.Row) throws {
        let organization = Organization(id: row.organizationId, slug: row.orgSlug, name: "")
        guard let media = try store.findForDeletion(id: row.id, in: organization) else { return }
        _ = try DeleteOperation(environment: resources.operations).delete(media, organization: organization)
    }

    /// Queues a rebuild of the variants from the original (images only).
    private func requeueVariants(_ row: Reconciliation.Row) -> String {
        guard FileType(mimeType: row.mimeType).isImage else { return "not an image" }
        do {
            guard let media = try store.find(id: row.id, organizationId: row.organizationId) else { return "media is gone" }
            let job = try JobScheduler(environment: resources.operations).enqueue(.variants, media: media)
            return "variants job \(job.id) queued"
        } catch let error as ServiceError where error.code == .conflict {
            return "a job is already working on it"
        } catch {
            return "could not queue a variants job (\(error)); rebuild with POST /api/v1/media/variants"
        }
    }

    // MARK: - Formatting

    /// Seconds since an S3 LastModified (`2026-11-28T23:59:59.000Z`); 0 when unreadable, so an
    /// object of unknown age is treated as young and never touched.
    static func age(of lastModified: String?, now: Date) -> Double {
        guard let lastModified else { return 0 }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = lastModified.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        guard let date = formatter.date(from: lastModified) else { return 0 }
        return max(0, now.timeIntervalSince(date))
    }

    static func duration(_ seconds: Double) -> String {
        switch seconds {
        case ..<120: "\(Int(seconds)) s"
        case ..<7200: "\(Int(seconds / 60)) min"
        case ..<(72 * 3600): "\(Int(seconds / 3600)) h"
        default: "\(Int(seconds / 86400)) days"
        }
    }
}
