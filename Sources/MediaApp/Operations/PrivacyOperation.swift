import MediaCore

/// Makes a media private or public, moving its objects between the buckets. The copies are
/// made first and the row updated next; only then are the old objects removed, so the row
/// always points at bytes that exist. A move holds the media's lock, like a crop or a job: a
/// crop cannot write into the bucket the media is leaving, and two moves cannot cross.
struct PrivacyOperation {
    let environment: OperationEnvironment

    func move(_ media: Media, toPrivate isPrivate: Bool, apply update: (inout Media) -> Void) throws -> Media {
        let target = environment.config.storage.bucket(isPrivate: isPrivate)
        guard target != media.bucket else {
            var updated = media
            update(&updated)
            try environment.media.updateMetadata(updated)
            return updated
        }
        return try JobScheduler(environment: environment).withLock(media, sameOriginal: false) { current in
            guard current.status == .ready || current.status == .failed else {
                throw ServiceError(.conflict, "media \(current.id) is \(current.status.rawValue); its privacy can change once it is ready",
                                   details: ["status": current.status.rawValue])
            }
            var updated = current
            update(&updated)
            updated.isPrivate = isPrivate
            updated.bucket = target
            let objects = [(current.objectKey, current.mimeType)] + current.variants.map { ($0.objectKey, $0.mimeType) }
            return try ObjectWriteSession.run(environment, bucket: target, isPrivate: isPrivate) { session in
                // Copied with new headers: Cache-Control says private or public like the bucket.
                for (key, contentType) in objects { try session.copy(key, from: current.bucket, contentType: contentType) }
                try session.commit { try environment.media.updateMetadata(updated) }
                session.removeUnclaimed(objects.map(\.0), from: current.bucket, mediaId: current.id)
                // Transforms' derivatives are made again on demand, in the new bucket.
                if (try? session.storage.removeAll(bucket: current.bucket, prefix: "\(current.folder)/t-")) == nil {
                    environment.log.event("derivatives left for the repair pass", ["mediaId": current.id, "bucket": current.bucket],
                                          level: .warning)
                }
                return .committed(updated)
            }
        }
    }
}
