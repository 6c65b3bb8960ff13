import MediaCore
import MediaInfra
import S3

/// Moves a media's objects between the public and the private bucket. The copies are made
/// first and the row updated next; only then are the old objects removed, so the row always
/// points at bytes that exist. A move holds the media's lock, like a crop or a job: a crop
/// cannot write into the bucket the media is leaving, and two moves cannot cross.
struct MediaPrivacy {
    let resources: ServiceResources

    func move(_ media: Media, toPrivate isPrivate: Bool, apply update: (inout Media) -> Void) throws -> Media {
        guard resources.config.storage.bucket(isPrivate: isPrivate) != media.bucket else {
            return try moveLocked(media, toPrivate: isPrivate, apply: update)
        }
        return try JobScheduler(resources: resources).withLock(media, sameOriginal: false) { current in
            guard current.status == .ready || current.status == .failed else {
                throw ServiceError(.conflict, "media \(current.id) is \(current.status.rawValue); its privacy can change once it is ready",
                                   details: ["status": current.status.rawValue])
            }
            return try moveLocked(current, toPrivate: isPrivate, apply: update)
        }
    }

    private func moveLocked(_ media: Media, toPrivate isPrivate: Bool, apply update: (inout Media) -> Void) throws -> Media {
        let target = resources.config.storage.bucket(isPrivate: isPrivate)
        var updated = media
        update(&updated)
        updated.isPrivate = isPrivate
        updated.bucket = target
        guard target != media.bucket else {
            try resources.media.updateMetadata(updated)
            return updated
        }
        let storage = try resources.storage()
        let objects = [(media.objectKey, media.mimeType)] + media.variants.map { ($0.objectKey, $0.mimeType) }
        let keys = objects.map(\.0)
        var copied: [String] = []
        do {
            for (key, contentType) in objects {
                // Copied with new headers: Cache-Control says private or public like the bucket.
                try storage.copyObject(sourceBucket: media.bucket, sourceKey: key, bucket: target, key: key,
                                       replacing: (contentType: contentType,
                                                   cacheControl: MediaUploader.cacheControl(isPrivate: isPrivate), metadata: nil))
                copied.append(key)
            }
            try resources.media.updateMetadata(updated)
        } catch {
            if !copied.isEmpty { _ = try? storage.deleteObjects(bucket: target, keys: copied) }
            throw error
        }
        if (try? storage.deleteObjects(bucket: media.bucket, keys: keys)) == nil {
            RequestLog().failure(requestId: "-", route: "privacy move", error: "old objects of \(media.id) left in \(media.bucket)")
        }
        return updated
    }
}
