import MediaCore
import MediaInfra
import S3

/// Moves a media's objects between the public and the private bucket. The copies are made
/// first and the row updated next; only then are the old objects removed, so the row always
/// points at bytes that exist.
struct MediaPrivacy {
    let resources: ServiceResources

    func move(_ media: Media, toPrivate isPrivate: Bool, apply update: (inout Media) -> Void) throws -> Media {
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
