import Foundation
import Imaging
import MediaCore
import MediaInfra
import S3

/// Uploads that go straight from the client to S3: a pending row and a presigned PUT first,
/// then `complete` inspects what arrived exactly as a direct upload would be inspected.
struct PresignedUpload {
    static let expirySeconds = 3600
    let resources: ServiceResources
    var config: AppConfig { resources.config }

    struct Ticket {
        var media: Media
        var uploadURL: String
        var contentType: String
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
        let now = Date()
        let url = try resources.storage().presignedURL(method: .put, bucket: bucket, key: key.text, expires: Self.expirySeconds,
                                                       contentType: type.mimeType, now: now)
        try resources.media.insert(media)
        return Ticket(media: media, uploadURL: url, contentType: type.mimeType, expiresAt: now.addingTimeInterval(Double(Self.expirySeconds)))
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

    /// Checks the uploaded object and makes the media ready. A type that is not allowed or an
    /// oversized object is removed with its row (415/413); a missing object is 409.
    func complete(_ media: Media, generateVariants: Bool, organization: Organization) throws -> Media {
        guard media.status == .pending else {
            throw ServiceError(.conflict, "media \(media.id) is \(media.status.rawValue), not awaiting an upload")
        }
        let storage = try resources.storage()
        let staged: StagedFile
        do {
            let stager = try FileStager(maxBytes: config.limits.uploadMaxBytes)
            try storage.getObject(bucket: media.bucket, key: media.objectKey) { try stager.write($0) }
            staged = try stager.finish()
        } catch let error as S3Error where error.code == .noSuchKey {
            throw ServiceError(.conflict, "the object has not been uploaded yet", details: ["objectKey": media.objectKey])
        } catch let error as ServiceError where error.code == .payloadTooLarge {
            try discard(media, organization: organization)
            throw error
        }
        let uploader = MediaUploader(resources: resources)
        let inspection: MediaUploader.Inspection
        do {
            inspection = try uploader.inspect(staged)
        } catch {
            // Refused bytes are not kept: the object and its row go.
            try discard(media, organization: organization)
            throw error
        }
        var completed = media
        completed.mimeType = inspection.type.mimeType
        completed.size = staged.size
        completed.width = inspection.width
        completed.height = inspection.height
        completed.checksum = "sha256:\(staged.sha256)"
        completed.status = .ready
        var written: [String] = []
        do {
            let key = ObjectKey.original(orgSlug: media.orgSlug, mediaId: media.id, version: 1, fileExtension: inspection.type.fileExtension)
            if key.text != media.objectKey {
                // The client declared another type than it sent: store under the real extension.
                try storage.putObject(bucket: media.bucket, key: key.text, file: staged.path, contentType: inspection.type.mimeType,
                                      cacheControl: MediaUploader.cacheControl(isPrivate: media.isPrivate))
                written.append(key.text)
                completed.objectKey = key.text
            }
            if generateVariants && inspection.type.isImage {
                Telemetry.decoding(width: inspection.width, height: inspection.height, operation: "variants")
                completed.variants = try uploader.storeVariants(of: .file(path: staged.path), folder: key.folder, bucket: media.bucket,
                                                                isPrivate: media.isPrivate, written: &written)
            }
            HoldPoint.uploadObjectsWritten.reach(subjects: [media.filename, media.id])
            guard try resources.media.markCompleted(completed) else {
                throw ServiceError(.conflict, "media \(media.id) was completed by another request")
            }
        } catch {
            if !written.isEmpty { _ = try? storage.deleteObjects(bucket: media.bucket, keys: written) }
            throw error
        }
        if completed.objectKey != media.objectKey { _ = try? storage.deleteObject(bucket: media.bucket, key: media.objectKey) }
        return try resources.media.find(id: media.id, in: organization) ?? completed
    }

    private func discard(_ media: Media, organization: Organization) throws {
        _ = try MediaDeleter(resources: resources).delete(media, organization: organization)
    }
}
