import Foundation
import MediaCore
import MediaInfra

/// The repair pass over resumable uploads (tus and presigned multipart alike): an upload past
/// RESUMABLE_EXPIRY_HOURS is removed with its parts, tails and pending media (counted as
/// `pending`); S3 multipart uploads and tails that no upload row knows (a creation whose row
/// failed, an abort S3 refused) are aborted or deleted once past the grace (`orphans`).
extension Reconciler {
    static let uploadPageSize = 100

    func sweepResumableUploads(orgPrefix: String) throws {
        try removeExpiredUploads()
        let store = ResumableUploadStore(database: resources.database)
        let client = try resources.storage()
        let bucket = resources.config.storage.privateBucket
        let now = Date()

        let multipart = try client.listMultipartUploads(bucket: bucket, prefix: ObjectKey.stagingPrefix + orgPrefix)
        let known = try store.existing(mediaIds: multipart.compactMap { ObjectKey.parseStaging($0.key)?.mediaId })
        for upload in multipart where Self.age(of: upload.initiated, now: now) >= policy.graceSeconds {
            guard let staged = ObjectKey.parseStaging(upload.key), !known.contains(staged.mediaId) else { continue }
            summary.orphans += 1
            output("orphan    \(bucket)/\(upload.key): a multipart upload no resumable upload continues")
            if options.fix {
                try client.abortMultipartUpload(bucket: bucket, key: upload.key, uploadId: upload.uploadId)
                summary.fixed += 1
                output("fixed     \(bucket)/\(upload.key): multipart upload aborted")
            }
        }

        let tails = try client.listAllObjects(bucket: bucket, prefix: ResumableUpload.tailPrefix + orgPrefix)
        let owners = try store.existing(mediaIds: tails.compactMap { Self.uploadId(ofTail: $0.key) })
        let unclaimed = tails.filter { tail in
            guard let id = Self.uploadId(ofTail: tail.key) else { return false }
            return !owners.contains(id) && Self.age(of: tail.lastModified, now: now) >= policy.graceSeconds
        }.map(\.key)
        for key in unclaimed { output("orphan    \(bucket)/\(key): a resumable upload's tail no upload waits for") }
        summary.orphans += unclaimed.count
        if options.fix && !unclaimed.isEmpty {
            try client.deleteObjects(bucket: bucket, keys: unclaimed)
            summary.fixed += unclaimed.count
        }
    }

    /// Expired uploads, page by page; with `fix` each is removed as a termination would.
    private func removeExpiredUploads() throws {
        let store = ResumableUploadStore(database: resources.database)
        var reported = Set<String>()
        while true {
            let page = try store.expired(graceSeconds: Int(policy.graceSeconds), limit: Self.uploadPageSize).filter {
                !reported.contains($0.mediaId) && (organization == nil || $0.organizationId == organization?.id)
            }
            guard !page.isEmpty else { return }
            for upload in page {
                reported.insert(upload.mediaId)
                summary.pending += 1
                let what = upload.kind == .tus ? "resumable (tus) upload expired at \(Timestamp.rfc3339(upload.expiresAt)) with \(upload.offset) bytes"
                    : "presigned multipart upload expired at \(Timestamp.rfc3339(upload.expiresAt))"
                output("pending   \(ObjectKey.staging(orgSlug: upload.orgSlug, mediaId: upload.mediaId)): \(what)")
                guard options.fix else { continue }
                let owner = Organization(id: upload.organizationId, slug: upload.orgSlug, name: "")
                let media = try resources.media.find(id: upload.mediaId, organizationId: upload.organizationId)
                try ResumableUploadOperation(environment: resources.operations).discard(upload, media: media, organization: owner)
                summary.fixed += 1
                output("fixed     \(upload.orgSlug)/\(upload.mediaId): expired upload, its parts and its pending media removed")
            }
            if !options.fix && page.count < Self.uploadPageSize { return }
        }
    }

    /// The upload id of `_resumable/{orgSlug}/{id}/tail-N`.
    static func uploadId(ofTail key: String) -> String? {
        guard key.hasPrefix(ResumableUpload.tailPrefix) else { return nil }
        let segments = key.dropFirst(ResumableUpload.tailPrefix.count).split(separator: "/")
        guard segments.count == 3, Identifier.isWellFormed(String(segments[1])) else { return nil }
        return String(segments[1])
    }
}
