import Foundation
import Imaging
import MediaCore
import MediaInfra

/// Uploads that go straight from the client to S3: a pending row and a presigned PUT first,
/// then `complete` inspects what arrived exactly as a direct upload would be inspected.
///
/// The client's PUT lands in the staging area (`ObjectKey.staging`, private bucket, never
/// served), never under the media's folder: `complete` writes the media's objects itself from
/// the bytes it inspected, then removes the staged object. The URL can create the staged object
/// once (`If-None-Match: *` is signed), with the declared size when one was given (a signed
/// `Content-Length`), for PRESIGNED_UPLOAD_EXPIRY_SECONDS; a PUT replayed after `complete` or a
/// delete lands in the staging area again, where nothing reads it and the repair pass removes it.
struct PresignedUploadOperation {
    let environment: OperationEnvironment
    var config: AppConfig { environment.config }

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
        let id = Identifier.next()
        let key = ObjectKey.original(orgSlug: organization.slug, mediaId: id, version: 1, fileExtension: type.fileExtension)
        let bucket = config.storage.bucket(isPrivate: false)
        let media = Media(id: id, organizationId: organization.id, orgSlug: organization.slug, bucket: bucket, objectKey: key.text,
                          filename: filename, mimeType: type.mimeType, size: nil, width: nil, height: nil, checksum: nil,
                          isPrivate: false, status: .pending, createdAt: "", updatedAt: "")
        var headers: [(name: String, value: String)] = [("Content-Type", type.mimeType), ("If-None-Match", "*")]
        if let declaredSize { headers.append(("Content-Length", String(declaredSize))) }
        let now = Date()
        let lifetime = config.limits.presignedUploadSeconds
        let url = try environment.storage().presignedUpload(bucket: config.storage.privateBucket,
                                                            key: ObjectKey.staging(orgSlug: organization.slug, mediaId: id),
                                                            expires: lifetime, headers: headers, now: now)
        try environment.media.insert(media)
        return Ticket(media: media, uploadURL: url, headers: headers, expiresAt: now.addingTimeInterval(Double(lifetime)))
    }

    /// The type the client says it will send (mimeType, else the filename's extension); it
    /// must be allowed. The real type is sniffed again at completion.
    func expectedType(filename: String, declaredType: String?) throws -> FileType {
        let type: FileType
        if let declaredType {
            let known = FileType(mimeType: declaredType)
            guard known != .unknown || declaredType.lowercased() == FileType.unknown.mimeType else {
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
    /// an object over `maxBytes` (UPLOAD_MAX_BYTES; a resumable upload's own limit) is removed
    /// with its row (415/413); a missing object is 409.
    /// `onlyWrittenByService`: the staged object was assembled by this service (a multipart
    /// upload it completed) and no one holds a URL that writes it, so the object inspected is
    /// the one S3 copies to the final key (up to S3's 5 GiB copy limit) instead of uploading
    /// the inspected bytes again.
    func complete(_ media: Media, generateVariants: Bool, organization: Organization, maxBytes: Int? = nil,
                  onlyWrittenByService: Bool = false) throws -> Media {
        try JobScheduler(environment: environment).withLock(media) { current in
            try completeLocked(current, generateVariants: generateVariants, organization: organization,
                               maxBytes: maxBytes ?? config.limits.uploadMaxBytes, onlyWrittenByService: onlyWrittenByService)
        }
    }

    /// The largest object a single S3 CopyObject takes.
    static let copyLimit = 5 << 30

    private func completeLocked(_ media: Media, generateVariants: Bool, organization: Organization, maxBytes: Int,
                                onlyWrittenByService: Bool) throws -> Media {
        guard media.status == .pending else {
            throw ServiceError(.conflict, "media \(media.id) is \(media.status.rawValue), not awaiting an upload")
        }
        let staging = (bucket: config.storage.privateBucket, key: ObjectKey.staging(orgSlug: media.orgSlug, mediaId: media.id))
        let staged: StagedFile
        do {
            // What is inspected is this copy, and only it is published: a PUT that lands after
            // this read changes nothing anyone is served.
            let stager = try FileStager(maxBytes: maxBytes)
            try environment.storage().read(bucket: staging.bucket, key: staging.key) { try stager.write($0) }
            staged = try stager.finish()
        } catch ObjectStorageError.notFound {
            throw ServiceError(.conflict, "the object has not been uploaded yet", details: ["mediaId": media.id])
        } catch let error as ServiceError where error.code == .payloadTooLarge {
            try discard(media, organization: organization)
            throw error
        }
        let inspection: UploadInspector.Inspection
        do {
            inspection = try UploadInspector(config: config).inspect(staged)
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
        let store = environment.media
        let stored: Media = try ObjectWriteSession.run(environment, bucket: media.bucket, isPrivate: media.isPrivate) { session in
            // Variants first, as for a direct upload: the commit window starts with the first write.
            if generateVariants && inspection.type.isImage {
                Telemetry.decoding(width: inspection.width, height: inspection.height, operation: "variants")
                completed.variants = try VariantWriter(config: config, session: session, timer: StageTimer()) {
                    ObjectKey.variant(orgSlug: media.orgSlug, mediaId: media.id, variant: $0.name, version: 1,
                                      fileExtension: $0.format.fileExtension).text
                }.store(.file(path: staged.path))
            }
            if onlyWrittenByService && staged.size <= Self.copyLimit {
                try session.copy(key.text, from: staging.bucket, sourceKey: staging.key, contentType: inspection.type.mimeType)
            } else {
                try session.put(key.text, .file(path: staged.path), contentType: inspection.type.mimeType)
            }
            HoldPoint.uploadObjectsWritten.reach(subjects: [media.filename, media.id])
            guard try session.commit({ try store.markCompleted(completed) }) else {
                return .conflict("media \(media.id) was completed by another request")
            }
            // Left behind only if S3 refuses now: unread, and removed by the repair pass.
            session.removeUnclaimed([staging.key], from: staging.bucket, mediaId: media.id)
            return .committed(try store.find(id: media.id, in: organization) ?? completed)
        }
        return stored
    }

    private func discard(_ media: Media, organization: Organization) throws {
        _ = try DeleteOperation(environment: environment).delete(media, organization: organization)
    }
}
