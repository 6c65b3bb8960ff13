import Foundation
import Hashing
import Imaging
import MediaCore
import MediaInfra
import S3

/// Stores an upload: bytes to S3 first, then the row; if the row cannot be written the
/// objects just written are removed, so there is never a row without bytes nor bytes
/// without a row.
struct MediaUploader {
    let resources: ServiceResources
    var timer = StageTimer()
    var config: AppConfig { resources.config }

    struct Options {
        var filename: String
        var alt: String?
        var caption: String?
        var description: String?
        var isPrivate: Bool
        var generateVariants: Bool
    }

    /// What a staged file really is: its sniffed type (checked against the allow-list) and, for
    /// images, the displayed size read from the header (the pixel limit checked before decoding).
    struct Inspection {
        var type: FileType
        var width: Int?
        var height: Int?
    }

    func inspect(_ file: StagedFile) throws -> Inspection {
        guard file.size > 0 else { throw ServiceError(.unsupportedMediaType, "the file is empty", details: ["type": "empty"]) }
        let type = FileType.sniff(file.prefix)
        try config.media.allowedTypes.check(type)
        // An image, PDF or any other file that also carries HTML or script is a polyglot.
        if let tag = file.markup.first(where: { !(type == .svg && $0 == "<svg") }) {
            throw ServiceError(.unsupportedMediaType,
                               "the file holds \(tag)…> markup besides its \(type.mimeType) content; files that are also HTML or script are refused",
                               details: ["type": type.mimeType, "markup": tag])
        }
        guard type.isImage else { return Inspection(type: type) }
        let info = try timer.measure("probe") {
            try ImageProbe.probe(path: file.path, maxPixels: config.limits.imageMaxPixels, maxFrames: config.media.maxFrames)
        }
        return Inspection(type: type, width: info.width, height: info.height)
    }

    func store(_ upload: StagedFile, options: Options, organization: Organization) throws -> Media {
        let inspection = try inspect(upload)
        let (type, width, height) = (inspection.type, inspection.width, inspection.height)
        let id = Self.newId()
        let bucket = config.storage.bucket(isPrivate: options.isPrivate)
        let key = ObjectKey.original(orgSlug: organization.slug, mediaId: id, version: 1, fileExtension: type.fileExtension)
        let storage = try resources.storage()
        // Keys are noted before their PUT: a PUT whose answer was lost may still have stored them.
        var written: [String] = []
        let window = CommitWindow(graceSeconds: config.reconcile.graceSeconds)
        do {
            try Self.noting(key.text, in: &written) {
                try timer.measure("storage") {
                    _ = try storage.putObject(bucket: bucket, key: key.text, file: upload.path, contentType: type.mimeType,
                                          cacheControl: Self.cacheControl(isPrivate: options.isPrivate))
                }
            }
            var variants: [MediaVariant] = []
            if options.generateVariants && type.isImage {
                Telemetry.decoding(width: width, height: height, operation: "variants")
                variants = try storeVariants(of: .file(path: upload.path), folder: key.folder, bucket: bucket,
                                             isPrivate: options.isPrivate, written: &written)
            }
            let media = Media(id: id, organizationId: organization.id, orgSlug: organization.slug, bucket: bucket,
                              objectKey: key.text, filename: options.filename, mimeType: type.mimeType, size: upload.size,
                              width: width, height: height, checksum: "sha256:\(upload.sha256)", alt: options.alt,
                              caption: options.caption, description: options.description, isPrivate: options.isPrivate,
                              status: .ready, variants: variants, createdAt: "", updatedAt: "")
            HoldPoint.uploadObjectsWritten.reach(subjects: [options.filename, id])
            try window.check()
            return try timer.measure("database") {
                try resources.media.insert(media)
                return try resources.media.find(id: id, in: organization) ?? media
            }
        } catch {
            let skeleton = Media(id: id, organizationId: organization.id, orgSlug: organization.slug, bucket: bucket,
                                 objectKey: key.text, filename: options.filename, mimeType: type.mimeType, size: nil, width: nil,
                                 height: nil, checksum: nil, isPrivate: options.isPrivate, status: .failed, createdAt: "", updatedAt: "")
            removeOrRecord(written, of: skeleton, storage: storage)
            throw error
        }
    }

    /// Makes and stores the variants. An image that cannot be decoded fails the upload (422);
    /// any other failure after the original was stored propagates, and the caller removes
    /// every object written so far.
    func storeVariants(of source: ImageSource, folder: String, bucket: String, isPrivate: Bool,
                       written: inout [String]) throws -> [MediaVariant] {
        try VariantStorer(resources: resources, timer: timer, bucket: bucket, isPrivate: isPrivate) {
            $0.objectKey(folder: folder)
        }.store(source, written: &written)
    }

    /// Removes what a failed upload wrote. If the store cannot do it now (it is what failed),
    /// the upload is recorded as an interrupted delete instead: a row no read shows, which the
    /// next `mediactl reconcile --fix` finishes, so no bytes are left that nothing knows of.
    private func removeOrRecord(_ keys: [String], of media: Media, storage: S3Client) {
        guard !keys.isEmpty else { return }
        if (try? storage.deleteObjects(bucket: media.bucket, keys: keys)) != nil { return }
        do {
            let store = resources.media
            try store.insert(media)
            try store.markDeleting(id: media.id, in: Organization(id: media.organizationId, slug: media.orgSlug, name: ""))
            RequestLog().event("upload cleanup deferred", ["mediaId": media.id, "bucket": media.bucket])
        } catch {
            RequestLog().failure(requestId: "-", route: "upload cleanup",
                                 error: "could not remove \(keys) from \(media.bucket) nor record them: \(error)")
        }
    }

    /// Runs a PUT of `key`, noting the key first: a PUT whose answer was lost may still have
    /// stored it. Only a PUT that never reached the store (refused connection) stored nothing.
    static func noting(_ key: String, in written: inout [String], _ put: () throws -> Void) throws {
        written.append(key)
        do {
            try put()
        } catch let error as S3TransportError where error.kind == .unreachable {
            written.removeLast()
            throw error
        }
    }

    /// Keys never change bytes (a crop writes new keys), so public objects are immutable.
    static func cacheControl(isPrivate: Bool) -> String {
        isPrivate ? "private, max-age=31536000, immutable" : "public, max-age=31536000, immutable"
    }

    static func newId() -> String {
        Identifier.uuidV7(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000), randomBytes: Bytes.random(count: 10))
    }
}
