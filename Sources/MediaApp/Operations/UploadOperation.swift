import Foundation
import Imaging
import MediaCore

/// A direct upload: the original (and its variants) go to S3 first, then the row; if the row
/// cannot be written the objects are removed, so there is never a row without bytes nor
/// bytes without a row.
struct UploadOperation {
    let environment: OperationEnvironment
    var timer = StageTimer()
    var config: AppConfig { environment.config }

    struct Options {
        var filename: String
        var alt: String?
        var caption: String?
        var description: String?
        var isPrivate: Bool
        var generateVariants: Bool
    }

    func store(_ upload: StagedFile, options: Options, organization: Organization) throws -> Media {
        let inspection = try UploadInspector(config: config, timer: timer).inspect(upload)
        let type = inspection.type
        let id = Identifier.next()
        let bucket = config.storage.bucket(isPrivate: options.isPrivate)
        let key = ObjectKey.original(orgSlug: organization.slug, mediaId: id, version: 1, fileExtension: type.fileExtension)
        let media = Media(id: id, organizationId: organization.id, orgSlug: organization.slug, bucket: bucket,
                          objectKey: key.text, filename: options.filename, mimeType: type.mimeType, size: upload.size,
                          width: inspection.width, height: inspection.height, checksum: "sha256:\(upload.sha256)", alt: options.alt,
                          caption: options.caption, description: options.description, isPrivate: options.isPrivate,
                          status: .ready, createdAt: "", updatedAt: "")
        let store = environment.media
        return try ObjectWriteSession.run(environment, bucket: bucket, isPrivate: options.isPrivate, timer: timer,
                                          leftBehind: { _ in recordInterruptedDelete(of: media) }) { session in
            var media = media
            // Variants first: their decode may wait for a slot, and the commit window only
            // starts with the first write.
            if options.generateVariants && type.isImage {
                Telemetry.decoding(width: inspection.width, height: inspection.height, operation: "variants")
                media.variants = try VariantWriter(config: config, session: session, timer: timer) {
                    ObjectKey.variant(orgSlug: organization.slug, mediaId: id, variant: $0.name, version: 1,
                                      fileExtension: $0.format.fileExtension).text
                }.store(.file(path: upload.path))
            }
            try session.put(key.text, .file(path: upload.path), contentType: type.mimeType)
            HoldPoint.uploadObjectsWritten.reach(subjects: [options.filename, id])
            return .committed(try session.commit {
                try store.insert(media)
                return try store.find(id: id, in: organization) ?? media
            })
        }
    }

    /// When the store cannot remove what a failed upload wrote (it is what failed), the upload
    /// is recorded as an interrupted delete: a row no read shows, which the repair pass
    /// finishes, so no bytes are left that nothing knows of.
    private func recordInterruptedDelete(of media: Media) {
        var skeleton = media
        skeleton.status = .failed
        let organization = Organization(id: media.organizationId, slug: media.orgSlug, name: "")
        do {
            try environment.media.insert(skeleton)
            try environment.media.markDeleting(id: media.id, in: organization)
            environment.log.event("upload cleanup deferred", ["mediaId": media.id, "bucket": media.bucket], level: .warning)
        } catch {
            environment.log.event("upload cleanup failed", ["mediaId": media.id, "bucket": media.bucket,
                                                            "error": "could not remove the objects nor record them: \(error)"], level: .error)
        }
    }
}
