import Foundation
import Hashing
import Imaging
import MediaCore

/// The work done on an existing media item, by a request (sync) or a job (async): rebuilding
/// variants from the current original, and cropping. Both are idempotent: running one twice
/// writes the same keys and leaves the same rows.
struct ProcessingOperation {
    let environment: OperationEnvironment
    var progress: (Int) -> Void = { _ in }
    /// Where the time went (fetch, variants, storage, database), for the job's log line.
    var timer = StageTimer()
    var config: AppConfig { environment.config }

    /// Rebuilds every variant from the current original; the media ends `ready`.
    func rebuildVariants(_ media: Media) throws -> Media {
        try write(replacing: media) { session in
            let original = try stageOriginal(of: media)
            progress(20)
            Telemetry.decoding(width: media.width, height: media.height, operation: "variants")
            var updated = media
            updated.variants = try makeVariants(from: .file(path: original.path), for: media, version: media.version, session: session)
            return updated
        }
    }

    /// Crops the original into version `targetVersion` (new keys, so caches holding the old
    /// URLs never see new bytes), rebuilds the variants if asked, else removes them.
    func crop(_ media: Media, _ request: CropRequest, targetVersion: Int) throws -> Media {
        guard media.version < targetVersion else { return media }   // a re-run of a crop already applied
        return try write(replacing: media) { session in
            let original = try stageOriginal(of: media)
            progress(20)
            Telemetry.decoding(width: media.width, height: media.height, operation: "crop")
            let cropper = ImageCropper(encoding: config.media.encoding, maxPixels: config.limits.imageMaxPixels)
            let encoded = try cropper.crop(.file(path: original.path), x: request.x, y: request.y, width: request.width,
                                           height: request.height, rotate: CropRotation(rawValue: request.rotate) ?? .none,
                                           scale: request.scale, quality: request.quality, format: request.format)
            progress(50)
            let key = ObjectKey.original(orgSlug: media.orgSlug, mediaId: media.id, version: targetVersion,
                                         fileExtension: encoded.fileExtension)
            var updated = media
            updated.objectKey = key.text
            updated.version = targetVersion
            updated.mimeType = encoded.mimeType
            updated.size = encoded.bytes.count
            updated.width = encoded.width
            updated.height = encoded.height
            updated.checksum = "sha256:" + SHA256.hash(encoded.bytes).hexString
            updated.variants = request.regenerateVariants
                ? try makeVariants(from: .bytes(encoded.bytes), for: updated, version: targetVersion, session: session) : []
            try session.put(key.text, .bytes(encoded.bytes), contentType: encoded.mimeType)
            return updated
        }
    }

    /// Downloads the media's original into a staged file, no larger than an upload may be.
    func stageOriginal(of media: Media) throws -> StagedFile {
        let stager = try FileStager(maxBytes: config.limits.uploadMaxBytes)
        return try timer.measure("fetch") {
            try environment.storage().read(bucket: media.bucket, key: media.objectKey) { try stager.write($0) }
            return try stager.finish()
        }
    }

    /// Writes the new objects with `make`, then commits the row if it is still the one the
    /// work started from (bucket and version) and removes the objects it no longer claims. The
    /// keys `old` claims are never removed by a failure (a variant rebuild rewrites them).
    private func write(replacing old: Media, _ make: (ObjectWriteSession) throws -> Media) throws -> Media {
        let oldKeys = [old.objectKey] + old.variants.map(\.objectKey)
        return try ObjectWriteSession.run(environment, bucket: old.bucket, isPrivate: old.isPrivate, claimed: Set(oldKeys),
                                          timer: timer) { session in
            let updated = try make(session)
            progress(90)
            HoldPoint.processingObjectsWritten.reach(subjects: [old.id, old.filename])
            guard try session.commit({ try environment.media.replaceOriginalAndVariants(updated, status: .ready, expected: old) }) else {
                return .conflict("media \(old.id) changed while it was being processed; nothing was applied")
            }
            let kept = Set([updated.objectKey] + updated.variants.map(\.objectKey))
            session.removeUnclaimed(oldKeys.filter { !kept.contains($0) }, from: old.bucket, mediaId: old.id)
            return .committed(updated)
        }
    }

    /// Makes and stores the variants under `version`'s keys.
    private func makeVariants(from source: ImageSource, for media: Media, version: Int,
                              session: ObjectWriteSession) throws -> [MediaVariant] {
        let variants = try VariantWriter(config: config, session: session, timer: timer) {
            ObjectKey.variant(orgSlug: media.orgSlug, mediaId: media.id, variant: $0.name, version: version,
                              fileExtension: $0.format.fileExtension).text
        }.store(source)
        progress(80)
        return variants
    }
}
