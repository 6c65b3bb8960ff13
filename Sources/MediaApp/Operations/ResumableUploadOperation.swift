import Foundation
import MediaCore
import MediaHTTP
import S3

/// Uploads that survive a dropped connection (tus 1.0.0): a pending media and one S3 multipart
/// upload to its staging key from creation on; each PATCH streams its body into parts of the
/// upload's part size as they fill, keeps the bytes of a part not yet full in a small tail
/// object, and commits the new offset only at its end, holding the upload's lease (one writer
/// at a time; a lease that lapsed is taken over). The last byte assembles the object, which
/// `complete` then inspects exactly as a presigned upload's. Bytes not yet counted by the
/// stored offset are never relied on: a request cut or killed part-way is resumed from the
/// stored offset, and its parts are written again under the same numbers.
struct ResumableUploadOperation {
    let environment: OperationEnvironment
    var config: AppConfig { environment.config }
    private var uploads: ResumableUploadRepository { environment.uploads }
    private var stagingBucket: String { config.storage.privateBucket }

    struct Options {
        var filename: String
        var declaredType: String?
        var alt: String?
        var caption: String?
        var description: String?
        var isPrivate: Bool
        var generateVariants: Bool
    }

    /// What a PATCH did: the upload as stored, and the media once the last byte made it ready.
    struct Progress {
        var upload: ResumableUpload
        var media: Media?
        var jobId: String?
    }

    // MARK: Creation

    /// A pending media and the multipart upload its bytes go to; `kind` says who writes the
    /// parts (this service for tus, the client through presigned URLs).
    func create(length: Int?, options: Options, metadata: String, organization: Organization,
                kind: ResumableUpload.Kind = .tus) throws -> (Media, ResumableUpload) {
        let limit = config.resumable.maxBytes
        if let length {
            guard length <= limit else {
                throw ServiceError(.payloadTooLarge, "the upload exceeds the limit of \(limit) bytes", details: ["limit": String(limit)])
            }
            guard length > 0 else { throw ServiceError(.unsupportedMediaType, "the file is empty", details: ["type": "empty"]) }
        }
        // The declared type is checked now (a type that is never accepted fails before any byte
        // is sent); the bytes are sniffed again at the end.
        let type: FileType = if options.declaredType != nil || FileType(name: Self.extensionOf(options.filename)) != nil {
            try PresignedUploadOperation(environment: environment).expectedType(filename: options.filename, declaredType: options.declaredType)
        } else {
            .unknown
        }
        let id = Identifier.next()
        let bucket = config.storage.bucket(isPrivate: options.isPrivate)
        let key = ObjectKey.original(orgSlug: organization.slug, mediaId: id, version: 1, fileExtension: type.fileExtension)
        let media = Media(id: id, organizationId: organization.id, orgSlug: organization.slug, bucket: bucket, objectKey: key.text,
                          filename: options.filename, mimeType: type.mimeType, size: length, width: nil, height: nil, checksum: nil,
                          alt: options.alt, caption: options.caption, description: options.description, isPrivate: options.isPrivate,
                          status: .pending, createdAt: "", updatedAt: "")
        let storage = try environment.storage()
        let staging = ObjectKey.staging(orgSlug: organization.slug, mediaId: id)
        let multipartId = try storage.startMultipart(bucket: stagingBucket, key: staging, contentType: FileType.unknown.mimeType)
        let upload = ResumableUpload(mediaId: id, organizationId: organization.id, orgSlug: organization.slug, kind: kind,
                                     multipartId: multipartId, length: length,
                                     partSize: ResumableUpload.partSize(length: length, maxBytes: limit), metadata: metadata,
                                     generateVariants: options.generateVariants,
                                     expiresAt: Date().addingTimeInterval(Double(config.resumable.expiryHours) * 3600))
        do {
            try environment.media.insert(media)
            do {
                try uploads.insert(upload)
            } catch {
                _ = try? environment.media.delete(id: id, in: organization)
                throw error
            }
        } catch {
            // Left behind only if S3 refuses now: the repair pass aborts uploads no row knows.
            try? storage.abortMultipart(bucket: stagingBucket, key: staging, multipartId: multipartId)
            throw error
        }
        return (media, upload)
    }

    // MARK: Reading

    /// The upload as stored; 404 for none of this `kind` in this organization (each protocol
    /// sees only its own uploads), 410 once expired.
    func current(_ mediaId: String, organization: Organization, kind: ResumableUpload.Kind = .tus) throws -> ResumableUpload {
        let upload = try stored(mediaId, organization: organization, kind: kind)
        guard upload.expiresAt > Date() else {
            throw ServiceError(.gone, "the upload expired at \(Timestamp.rfc3339(upload.expiresAt)); start a new one")
        }
        return upload
    }

    /// The upload of this `kind`, expired or not; 404 otherwise.
    private func stored(_ mediaId: String, organization: Organization, kind: ResumableUpload.Kind) throws -> ResumableUpload {
        guard Identifier.isWellFormed(mediaId), let upload = try uploads.find(mediaId: mediaId, organizationId: organization.id),
              upload.kind == kind else {
            throw ServiceError.notFound("no \(kind == .tus ? "resumable" : "presigned multipart") upload \(mediaId)")
        }
        return upload
    }

    // MARK: PATCH

    /// Appends `body` at `offset` (409 if the upload is elsewhere). `length`: the length of a
    /// deferred-length upload, given now. With `checksum`, the body must match it (460, and
    /// nothing is counted).
    func append(_ mediaId: String, organization: Organization, offset: Int, length newLength: Int?, body: RequestBodySource,
                checksum: TusHeaders.Checksum?) throws -> Progress {
        try withLease(mediaId, organization: organization) { upload, lease in
            guard upload.offset == offset else {
                throw ServiceError(.conflict, "the upload is at offset \(upload.offset), not \(offset)", details: ["offset": String(upload.offset)])
            }
            let length = try resolvedLength(upload, given: newLength)
            var stored = upload
            if length != upload.length || upload.offset < (length ?? Int.max) {
                stored = try receive(upload, length: length, body: body, checksum: checksum, lease: lease)
            }
            guard stored.isComplete else { return Progress(upload: stored) }
            let count = (stored.offset + stored.partSize - 1) / stored.partSize
            let parts = try uploads.parts(mediaId: stored.mediaId, through: count)
            guard parts.count == count else {
                throw ServiceError(.internalError, "upload \(stored.mediaId) has \(parts.count) of its \(count) parts recorded")
            }
            return try finish(stored, parts: parts, organization: organization)
        }
    }

    private func resolvedLength(_ upload: ResumableUpload, given: Int?) throws -> Int? {
        guard let given else { return upload.length }
        if let known = upload.length, known != given {
            throw ServiceError.validation("Upload-Length is \(known) and cannot change", field: "Upload-Length")
        }
        guard given >= upload.offset else { throw ServiceError.validation("Upload-Length is below the offset", field: "Upload-Length") }
        guard given <= config.resumable.maxBytes else {
            throw ServiceError(.payloadTooLarge, "the upload exceeds the limit of \(config.resumable.maxBytes) bytes",
                               details: ["limit": String(config.resumable.maxBytes)])
        }
        guard given > 0 else { throw ServiceError(.unsupportedMediaType, "the file is empty", details: ["type": "empty"]) }
        return given
    }

    /// Streams the body into parts and a tail, then commits the new offset.
    private func receive(_ upload: ResumableUpload, length: Int?, body: RequestBodySource, checksum: TusHeaders.Checksum?,
                         lease: Lease) throws -> ResumableUpload {
        let storage = try environment.storage()
        let staging = ObjectKey.staging(orgSlug: upload.orgSlug, mediaId: upload.mediaId)
        let limit = length ?? config.resumable.maxBytes
        let spool = try PartSpool()
        if upload.tailBytes > 0 {
            try storage.read(bucket: stagingBucket, key: upload.tailKey, length: upload.tailBytes) { try spool.write($0) }
            guard spool.count == upload.tailBytes else {
                throw ServiceError(.storageError, "the stored tail of upload \(upload.mediaId) is shorter than its offset says")
            }
        }
        var parts: [ResumableUpload.Part] = []
        func storeFullPart() throws {
            let number = upload.fullParts + parts.count + 1
            let etag = try storage.storePart(bucket: stagingBucket, key: staging, multipartId: upload.multipartId, number: number,
                                             .file(path: spool.path))
            parts.append(ResumableUpload.Part(number: number, etag: etag, size: spool.count))
            try spool.reset()
            HoldPoint.resumablePartStored.reach(subjects: [upload.mediaId])
            try lease.renew()
        }
        let hasher = checksum.map(BodyChecksum.init)
        var received = 0
        var cut = false
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            let count: Int
            do {
                count = try buffer.withUnsafeMutableBytes { try body.read(into: $0) }
            } catch {
                cut = true   // the client went away: what arrived whole is kept (tus)
                break
            }
            if count == 0 { break }
            guard upload.offset + received + count <= limit else {
                throw ServiceError(.payloadTooLarge, "the body passes the upload's length of \(limit) bytes", details: ["limit": String(limit)])
            }
            try buffer.withUnsafeBytes { raw in
                var chunk = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                hasher?.update(chunk)
                while !chunk.isEmpty {
                    let take = min(chunk.count, upload.partSize - spool.count)
                    try spool.write(UnsafeRawBufferPointer(rebasing: chunk[0..<take]))
                    chunk = UnsafeRawBufferPointer(rebasing: chunk[take...])
                    if spool.count == upload.partSize { try storeFullPart() }
                }
            }
            received += count
            try lease.renewIfDue()
        }
        if let hasher {
            // A body cut short cannot be checked: none of it counts.
            guard !cut, hasher.matches() else {
                throw ServiceError(.checksumMismatch, "the body does not match Upload-Checksum; nothing of it was kept")
            }
        }
        var next = upload
        next.offset = upload.offset + received
        next.length = length
        if next.isComplete && spool.count > 0 {
            parts.append(ResumableUpload.Part(number: next.fullParts + 1, etag: try storage.storePart(
                bucket: stagingBucket, key: staging, multipartId: upload.multipartId, number: next.fullParts + 1,
                .file(path: spool.path)), size: spool.count))
        }
        guard next != upload else { return upload }
        try ObjectWriteSession.run(environment, bucket: stagingBucket, isPrivate: true, claimed: [upload.tailKey]) {
            (session: ObjectWriteSession) -> ObjectWriteSession.Outcome<Void> in
            if !next.isComplete && spool.count > 0 {
                try session.put(next.tailKey, .file(path: spool.path), contentType: FileType.unknown.mimeType)
            }
            guard try session.commit({
                try uploads.advance(mediaId: upload.mediaId, owner: lease.owner, from: upload.offset, to: next.offset, length: length,
                                    parts: parts)
            }) else {
                return .conflict("another request took over upload \(upload.mediaId); ask its offset again")
            }
            if upload.tailBytes > 0 && next.tailKey != upload.tailKey {
                session.removeUnclaimed([upload.tailKey], from: stagingBucket, mediaId: upload.mediaId)
            }
            return .committed(())
        }
        return next
    }

    // MARK: The last byte

    /// Assembles `parts`, inspects the object (`PresignedUploadOperation.complete`) and ends
    /// the upload. Refused bytes leave nothing: the media, its staged object, the tails and the
    /// upload's row go. The caller holds the upload's lease.
    func finish(_ upload: ResumableUpload, parts: [ResumableUpload.Part], organization: Organization) throws -> Progress {
        let storage = try environment.storage()
        guard let media = try environment.media.find(id: upload.mediaId, organizationId: organization.id) else {
            try discard(upload, media: nil, organization: organization)
            throw ServiceError.notFound("the media of upload \(upload.mediaId) was deleted")
        }
        var completed = media
        if media.status == .pending {
            let staging = ObjectKey.staging(orgSlug: upload.orgSlug, mediaId: upload.mediaId)
            do {
                try storage.finishMultipart(bucket: stagingBucket, key: staging, multipartId: upload.multipartId, parts: parts)
            } catch let error as S3Error where error.code == .noSuchUpload {
                // Assembled by an earlier request that died before the end: the staged object is there.
            }
            do {
                // The staged object is the multipart upload just completed: its part URLs (a
                // presigned multipart's) died with it, so S3 may copy what was inspected.
                completed = try PresignedUploadOperation(environment: environment)
                    .complete(media, generateVariants: false, organization: organization, maxBytes: config.resumable.maxBytes,
                              onlyWrittenByService: true)
            } catch {
                // Refused (type, markup, pixels, size; the error may be the imaging layer's):
                // `complete` removed the media and its staged object, so the upload goes too.
                // Any other failure keeps the pending media, and the upload for another try.
                if mediaWasRemoved(upload, organization: organization) { try discard(upload, media: nil, organization: organization) }
                throw error
            }
        }
        try? storage.removeAll(bucket: stagingBucket, prefix: ResumableUpload.tailFolder(orgSlug: upload.orgSlug, mediaId: upload.mediaId))
        try uploads.delete(mediaId: upload.mediaId)
        guard upload.generateVariants && completed.fileType.isImage && completed.status == .ready else {
            return Progress(upload: upload, media: completed)
        }
        let job = try JobScheduler(environment: environment).enqueue(.upload, media: completed)
        completed.status = .processing
        return Progress(upload: upload, media: completed, jobId: job.id)
    }

    /// True only when the media row is known to be gone (a failed read says nothing).
    private func mediaWasRemoved(_ upload: ResumableUpload, organization: Organization) -> Bool {
        do {
            return try environment.media.find(id: upload.mediaId, organizationId: organization.id) == nil
        } catch {
            return false
        }
    }

    // MARK: Termination

    /// tus termination (or a presigned multipart abort): the parts, the tails, the pending
    /// media and the row go.
    func terminate(_ mediaId: String, organization: Organization, kind: ResumableUpload.Kind = .tus) throws {
        try withLease(mediaId, organization: organization, kind: kind, allowExpired: true) { upload, _ in
            try discard(upload, media: try environment.media.find(id: mediaId, organizationId: organization.id), organization: organization)
        }
    }

    /// Removes everything of an upload; the row last, so a removal cut short is found again.
    func discard(_ upload: ResumableUpload, media: Media?, organization: Organization) throws {
        let storage = try environment.storage()
        try storage.abortMultipart(bucket: stagingBucket, key: ObjectKey.staging(orgSlug: upload.orgSlug, mediaId: upload.mediaId),
                                   multipartId: upload.multipartId)
        _ = try storage.removeAll(bucket: stagingBucket, prefix: ResumableUpload.tailFolder(orgSlug: upload.orgSlug, mediaId: upload.mediaId))
        if let media, media.status == .pending {
            _ = try DeleteOperation(environment: environment).delete(media, organization: organization)
        }
        try uploads.delete(mediaId: upload.mediaId)
    }

    // MARK: The lease

    /// One request's hold on an upload, renewed while it works.
    final class Lease {
        let owner = "request-" + Identifier.next()
        private let mediaId: String
        private let environment: OperationEnvironment
        private var renewed: Double

        init(mediaId: String, environment: OperationEnvironment) {
            self.mediaId = mediaId
            self.environment = environment
            renewed = environment.clock()
        }

        private var seconds: Int { environment.config.resumable.lockSeconds }

        func take() throws -> Bool {
            renewed = environment.clock()
            return try environment.uploads.lock(mediaId: mediaId, owner: owner, seconds: seconds)
        }

        /// Renews now; a lease another request took over (it lapsed) ends this one's work.
        func renew() throws {
            guard try take() else {
                throw ServiceError(.locked, "another request took over upload \(mediaId) while this one was idle")
            }
        }

        /// Renews once a third of the lease has passed.
        func renewIfDue() throws {
            if environment.clock() - renewed > Double(seconds) / 3 { try renew() }
        }

        func release() { try? environment.uploads.unlock(mediaId: mediaId, owner: owner) }
    }

    /// Runs `body` holding the upload's lease (423 while another request holds it).
    func withLease<T>(_ mediaId: String, organization: Organization, kind: ResumableUpload.Kind = .tus, allowExpired: Bool = false,
                      _ body: (ResumableUpload, Lease) throws -> T) throws -> T {
        _ = try allowExpired ? stored(mediaId, organization: organization, kind: kind) : current(mediaId, organization: organization, kind: kind)
        let lease = Lease(mediaId: mediaId, environment: environment)
        guard try lease.take() else {
            throw ServiceError(.locked, "another request is writing upload \(mediaId); try again when it has finished")
        }
        defer { lease.release() }
        // Read again under the lease: the offset may have moved since.
        guard let upload = try uploads.find(mediaId: mediaId, organizationId: organization.id) else {
            throw ServiceError.notFound("no resumable upload \(mediaId)")
        }
        return try body(upload, lease)
    }

    private static func extensionOf(_ filename: String) -> String {
        let parts = filename.split(separator: ".")
        return parts.count > 1 ? String(parts.last!) : ""
    }
}
