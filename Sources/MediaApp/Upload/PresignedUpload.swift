import Foundation
import Imaging
import MediaCore
import MediaInfra
import S3

/// Uploads that go straight from the client to S3: a pending row and a presigned PUT first,
/// then `complete` inspects what arrived exactly as a direct upload would be inspected.
///
/// The client's PUT lands in the staging area (`ObjectKey.staging`, private bucket, never
/// served), never under the media's folder: `complete` writes the media's objects itself from
/// the bytes it inspected, then removes the staged object. The URL can create the staged object
/// once (`If-None-Match: *` is signed), with the declared size when one was given (a signed
/// `Content-Length`), for PRESIGNED_UPLOAD_EXPIRY_SECONDS; a PUT replayed after `complete` or a
/// delete lands in the staging area again, where nothing reads it and the repair pass removes it.
struct PresignedUpload {
    let resources: ServiceResources
    var config: AppConfig { resources.config }

    struct Ticket {
        var media: Media
        var uploadURL: String
        /// The headers the PUT must carry, exactly (they are signed).
        var headers: [(name: String, value: String)]
        var expiresAt: Date
    }

    func start(filename: String, declaredType: String?, declaredSize: Int?, organization: Organization) throws -> Ticket {
        if let declaredSize {
            guard declaredSize >= 0 else { throw ServiceError.validation("size must be a non-negative integer", field: "size") }
            guard declaredSize <= config.limits.uploadMaxBytes else {
                throw ServiceError(.payloadTooLarge, "the upload exceeds the limit of \(config.limits.uploadMaxBytes) bytes",
                                   details: ["limit": String(config.limits.uploadMaxBytes)])
            }
        }
        let type = try expectedType(filename: filename, declaredType: declaredType)
        let id = MediaUploader.newId()
        let key = ObjectKey.original(orgSlug: organization.slug, mediaId: id, version: 1, fileExtension: type.fileExtension)
        let bucket = config.storage.bucket(isPrivate: false)
        let media = Media(id: id, organizationId: organization.id, orgSlug: organization.slug, bucket: bucket, objectKey: key.text,
                          filename: filename, mimeType: type.mimeType, size: nil, width: nil, height: nil, checksum: nil,
                          isPrivate: false, status: .pending, createdAt: "", updatedAt: "")
        var headers: [(name: String, value: String)] = [("Content-Type", type.mimeType), ("If-None-Match", "*")]
        if let declaredSize { headers.append(("Content-Length", String(declaredSize))) }
        let now = Date()
        let lifetime = config.limits.presignedUploadSeconds
        let url = try resources.storage().presignedURL(method: .put, bucket: config.storage.privateBucket,
                                                       key: ObjectKey.staging(orgSlug: organization.slug, mediaId: id),
                                                       expires: lifetime, headers: headers, now: now)
        try resources.media.insert(media)
        return Ticket(media: media, uploadURL: url, headers: headers, expiresAt: now.addingTimeInterval(Double(lifetime)))
    }

    /// The type the client says it will send (mimeType, else the filename's extension); it
    /// must be allowed. The real type is sniffed again at completion.
    private func expectedType(filename: String, declaredType: String?) throws -> FileType {
        let type: FileType
        if let declaredType {
            guard let known = FileType.allCases.first(where: { $0.mimeType == declaredType.lowercased() }) else {
                throw ServiceError(.unsupportedMediaType, "files of type \(declaredType) are not accepted", details: ["type": declaredType])
            }
            type = known
        } else {
            let ext = filename.split(separator: ".").count > 1 ? filename.split(separator: ".").last.map(String.init) : nil
            guard let ext, let known = FileType(name: ext) else {
                throw ServiceError.validation("give mimeType, or a filename with a known extension", field: "mimeType")
            }
            type = known
        }
        try config.media.allowedTypes.check(type)
        return type
    }

    /// Checks the staged object and makes the media ready, holding the media's lock (a second
    /// `complete` at the same time is 409, never a second writer). A type that is not allowed or
    /// an object over UPLOAD_MAX_BYTES is removed with its row (415/413); a missing object is 409.
    func complete(_ media: Media, generateVariants: Bool, organization: Organization) throws -> Media {
        try JobScheduler(resources: resources).withLock(media) { current in
            try completeLocked(current, generateVariants: generateVariants, organization: organization)
        }
    }

    private func completeLocked(_ media: Media, generateVariants: Bool, organization: Organization) throws -> Media {
        guard media.status == .pending else {
            throw ServiceError(.conflict, "media \(media.id) is \(media.status.rawValue), not awaiting an upload")
        }
        let storage = try resources.storage()
        let staging = (bucket: config.storage.privateBucket, key: ObjectKey.staging(orgSlug: media.orgSlug, mediaId: media.id))
        let staged: StagedFile
        do {
            // What is inspected is this copy, and only it is published: a PUT that lands after
            // this read changes nothing anyone is served.
            let stager = try FileStager(maxBytes: config.limits.uploadMaxBytes)
            try storage.getObject(bucket: staging.bucket, key: staging.key) { try stager.write($0) }
            staged = try stager.finish()
        } catch let error as S3Error where error.code == .noSuchKey {
            throw ServiceError(.conflict, "the object has not been uploaded yet", details: ["mediaId": media.id])
        } catch let error as ServiceError where error.code == .payloadTooLarge {
            try discard(media, organization: organization)
            throw error
        }
        let uploader = MediaUploader(resources: resources)
        let inspection: MediaUploader.Inspection
        do {
            inspection = try uploader.inspect(staged)
        } catch {
            // Refused bytes are not kept: the staged object and the row go.
            try discard(media, organization: organization)
            throw error
        }
        let key = ObjectKey.original(orgSlug: media.orgSlug, mediaId: media.id, version: 1, fileExtension: inspection.type.fileExtension)
        var completed = media
        completed.objectKey = key.text
        completed.mimeType = inspection.type.mimeType
        completed.size = staged.size
        completed.width = inspection.width
        completed.height = inspection.height
        completed.checksum = "sha256:\(staged.sha256)"
        completed.status = .ready
        var written: [String] = []
        let window = CommitWindow(graceSeconds: config.reconcile.graceSeconds)
        do {
            try MediaUploader.noting(key.text, in: &written) {
                _ = try storage.putObject(bucket: media.bucket, key: key.text, file: staged.path, contentType: inspection.type.mimeType,
                                          cacheControl: MediaUploader.cacheControl(isPrivate: media.isPrivate))
            }
            if generateVariants && inspection.type.isImage {
                Telemetry.decoding(width: inspection.width, height: inspection.height, operation: "variants")
                completed.variants = try uploader.storeVariants(of: .file(path: staged.path), folder: key.folder, bucket: media.bucket,
                                                                isPrivate: media.isPrivate, written: &written)
            }
            HoldPoint.uploadObjectsWritten.reach(subjects: [media.filename, media.id])
            try window.check()
            guard try resources.media.markCompleted(completed) else {
                throw ServiceError(.conflict, "media \(media.id) was completed by another request")
            }
        } catch {
            if !written.isEmpty { _ = try? storage.deleteObjects(bucket: media.bucket, keys: written) }
            throw error
        }
        // Left behind only if S3 refuses now: unread, and removed by the repair pass.
        _ = try? storage.deleteObject(bucket: staging.bucket, key: staging.key)
        return try resources.media.find(id: media.id, in: organization) ?? completed
    }

    private func discard(_ media: Media, organization: Organization) throws {
        _ = try MediaDeleter(resources: resources).delete(media, organization: organization)
    }
}
