import Foundation
import Hashing
import Imaging
import MediaCore
import MediaInfra
import S3

/// The work done on an existing media item, by a request (sync) or a job (async): rebuilding
/// variants from the current original, and cropping. Both are idempotent: running one twice
/// writes the same keys and leaves the same rows.
struct MediaProcessor {
    let resources: ServiceResources
    var progress: (Int) -> Void = { _ in }
    /// Where the time went (fetch, variants, storage, database), for the job's log line.
    var timer = StageTimer()
    var config: AppConfig { resources.config }

    /// Rebuilds every variant from the current original; the media ends `ready`.
    func rebuildVariants(_ media: Media) throws -> Media {
        let window = CommitWindow(graceSeconds: config.reconcile.graceSeconds)
        let original = try stageOriginal(of: media)
        progress(20)
        Telemetry.decoding(width: media.width, height: media.height, operation: "variants")
        var updated = media
        updated.variants = try makeVariants(from: .file(path: original.path), for: media, version: media.version)
        progress(90)
        HoldPoint.processingObjectsWritten.reach(subjects: [media.id, media.filename])
        try window.check()
        try commit(updated, replacing: media)
        return updated
    }

    /// Crops the original into version `targetVersion` (new keys, so caches holding the old
    /// URLs never see new bytes), rebuilds the variants if asked, else removes them.
    func crop(_ media: Media, _ request: CropRequest, targetVersion: Int) throws -> Media {
        guard media.version < targetVersion else { return media }   // a re-run of a crop already applied
        let window = CommitWindow(graceSeconds: config.reconcile.graceSeconds)
        let original = try stageOriginal(of: media)
        progress(20)
        Telemetry.decoding(width: media.width, height: media.height, operation: "crop")
        let cropper = ImageCropper(encoding: config.media.encoding, maxPixels: config.limits.imageMaxPixels)
        let encoded = try cropper.crop(.file(path: original.path), x: request.x, y: request.y, width: request.width,
                                       height: request.height, rotate: CropRotation(rawValue: request.rotate) ?? .none,
                                       scale: request.scale, quality: request.quality, format: request.format)
        progress(50)
        var updated = media
        let key = ObjectKey.original(orgSlug: media.orgSlug, mediaId: media.id, version: targetVersion,
                                     fileExtension: encoded.fileExtension)
        try resources.storage().putObject(bucket: media.bucket, key: key.text, body: encoded.bytes, contentType: encoded.mimeType,
                                          cacheControl: MediaUploader.cacheControl(isPrivate: media.isPrivate))
        updated.objectKey = key.text
        updated.version = targetVersion
        updated.mimeType = encoded.mimeType
        updated.size = encoded.bytes.count
        updated.width = encoded.width
        updated.height = encoded.height
        updated.checksum = "sha256:" + SHA256.hash(encoded.bytes).hexString
        updated.variants = request.regenerateVariants
            ? try makeVariants(from: .bytes(encoded.bytes), for: updated, version: targetVersion) : []
        progress(90)
        HoldPoint.processingObjectsWritten.reach(subjects: [media.id, media.filename])
        try window.check()
        try commit(updated, replacing: media)
        return updated
    }

    /// Downloads the media's original into a staged file, no larger than an upload may be.
    func stageOriginal(of media: Media) throws -> StagedFile {
        let stager = try FileStager(maxBytes: config.limits.uploadMaxBytes)
        return try timer.measure("fetch") {
            try resources.storage().getObject(bucket: media.bucket, key: media.objectKey) { try stager.write($0) }
            return try stager.finish()
        }
    }

    /// Makes and stores the variants under `version`'s keys. Nothing is removed on failure:
    /// a retry writes the same keys, and the reconcile pass removes what no row refers to.
    private func makeVariants(from source: ImageSource, for media: Media, version: Int) throws -> [MediaVariant] {
        var written: [String] = []
        let variants = try VariantStorer(resources: resources, timer: timer, bucket: media.bucket, isPrivate: media.isPrivate) {
            ObjectKey.variant(orgSlug: media.orgSlug, mediaId: media.id, variant: $0.name, version: version,
                              fileExtension: $0.format.fileExtension).text
        }.store(source, written: &written)
        progress(80)
        return variants
    }

    /// Saves the new state if the row is still the one the work started from (bucket and
    /// version), then removes the objects no longer referenced. If it changed meanwhile, the
    /// objects this run wrote are removed instead and the work is refused (409).
    private func commit(_ updated: Media, replacing old: Media) throws {
        let committed = try timer.measure("database") {
            try resources.media.replaceOriginalAndVariants(updated, status: .ready, expected: old)
        }
        let oldKeys = Set([old.objectKey] + old.variants.map(\.objectKey))
        let newKeys = Set([updated.objectKey] + updated.variants.map(\.objectKey))
        let unreferenced = committed ? oldKeys.subtracting(newKeys) : newKeys.subtracting(oldKeys)
        if !unreferenced.isEmpty, (try? resources.storage().deleteObjects(bucket: old.bucket, keys: unreferenced.sorted())) == nil {
            RequestLog().failure(requestId: "-", route: "processing", error: "unreferenced objects of \(old.id) left: \(unreferenced.sorted())")
        }
        guard committed else {
            throw ServiceError(.conflict, "media \(old.id) changed while it was being processed; nothing was applied")
        }
    }
}
