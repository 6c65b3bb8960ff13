import MediaCore

/// Mark, remove the folder, drop the row: a delete cut short is finished by repeating it (the
/// repair pass does so for a row left marked).
struct DeleteOperation {
    let environment: OperationEnvironment

    func delete(_ media: Media, organization: Organization) throws -> Int {
        let store = environment.media
        let buckets = environment.config.storage
        try store.markDeleting(id: media.id, in: organization)
        let storage = try environment.storage()
        // Both buckets: a privacy move interrupted half-way may have left copies in the other.
        var removed = 0
        for bucket in Set([media.bucket, buckets.bucket, buckets.privateBucket]) {
            removed += try storage.removeAll(bucket: bucket, prefix: "\(media.folder)/")
        }
        if media.status == .pending {
            // The presigned upload's staged bytes (a PUT after this lands there again, unread).
            try storage.remove(bucket: buckets.privateBucket, keys: [ObjectKey.staging(orgSlug: media.orgSlug, mediaId: media.id)])
        }
        try store.delete(id: media.id, in: organization)
        return removed
    }
}
