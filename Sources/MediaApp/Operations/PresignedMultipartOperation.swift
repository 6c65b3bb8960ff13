import Foundation
import MediaCore
import S3

/// Presigned multipart uploads: the client PUTs parts of any size of file straight to S3
/// through URLs this service signs, and names them at the end. The state is a resumable
/// upload's (`ResumableUploadOperation`, kind `presigned`): a pending media, one S3 multipart
/// upload to its staging key, a row any host reads, the same expiry and repair pass. Each URL
/// signs its part's exact size (`Content-Length`), so every part but the last is `partSize`.
/// Completion checks the client's ETags against what S3 holds (`MultipartCompletion`), then
/// assembles and inspects the object exactly as the last PATCH of a tus upload does.
struct PresignedMultipartOperation {
    let environment: OperationEnvironment
    var config: AppConfig { environment.config }
    private var resumable: ResumableUploadOperation { ResumableUploadOperation(environment: environment) }

    /// The most part URLs one answer signs.
    static let maxPartsPerRequest = 100

    struct SignedPart {
        var number: Int
        var size: Int
        var url: String
    }

    struct Signed {
        var parts: [SignedPart]
        var expiresAt: Date
    }

    /// A new upload of `length` bytes and URLs for its first `firstParts` parts.
    func create(length: Int, options: ResumableUploadOperation.Options, firstParts: Int?,
                organization: Organization) throws -> (Media, ResumableUpload, Signed) {
        let (media, upload) = try resumable.create(length: length, options: options, metadata: "", organization: organization,
                                                   kind: .presigned)
        let count = min(firstParts ?? 10, upload.partCount)
        return (media, upload, try sign(upload, numbers: Array(1...max(count, 1))))
    }

    /// URLs for `numbers` (1…partCount, at most `maxPartsPerRequest`).
    func sign(_ mediaId: String, numbers: [Int], organization: Organization) throws -> Signed {
        try sign(try current(mediaId, organization: organization), numbers: numbers)
    }

    /// What S3 holds now, to resume: each part number with its size and ETags.
    func parts(_ mediaId: String, organization: Organization) throws -> (ResumableUpload, [MultipartCompletion.Listed]) {
        let upload = try current(mediaId, organization: organization)
        return (upload, MultipartCompletion.listing(try listed(upload) ?? []))
    }

    /// Checks `claimed` against S3's listing, then assembles, inspects and publishes the file
    /// under the upload's lease (a second completion at the same time is 423).
    func complete(_ mediaId: String, parts claimed: [MultipartCompletion.Claimed],
                  organization: Organization) throws -> ResumableUploadOperation.Progress {
        try resumable.withLease(mediaId, organization: organization, kind: .presigned) { upload, _ in
            guard let held = try listed(upload) else {
                // Assembled by an earlier completion that died before its end (its parts were
                // checked then): `finish` inspects the assembled object.
                return try resumable.finish(upload, parts: [], organization: organization)
            }
            let parts = try MultipartCompletion.parts(claimed, listed: held, upload: upload)
            return try resumable.finish(upload, parts: parts, organization: organization)
        }
    }

    /// Aborts the multipart upload; the pending media and the row go (as a tus termination).
    func abort(_ mediaId: String, organization: Organization) throws {
        try resumable.terminate(mediaId, organization: organization, kind: .presigned)
    }

    // MARK: Parts

    private func sign(_ upload: ResumableUpload, numbers: [Int]) throws -> Signed {
        guard !numbers.isEmpty, numbers.count <= Self.maxPartsPerRequest else {
            throw ServiceError.validation("ask for 1 to \(Self.maxPartsPerRequest) parts at a time", field: "partNumbers")
        }
        if let wrong = numbers.first(where: { !(1...upload.partCount).contains($0) }) {
            throw ServiceError(.validationError, "part \(wrong) is not one of the upload's parts 1…\(upload.partCount)",
                               details: ["field": "partNumbers", "partNumber": String(wrong)])
        }
        let now = Date()
        // A URL never outlives the upload it writes to.
        let lifetime = max(1, min(config.limits.presignedUploadSeconds, Int(upload.expiresAt.timeIntervalSince(now))))
        let storage = try environment.storage()
        let key = ObjectKey.staging(orgSlug: upload.orgSlug, mediaId: upload.mediaId)
        let parts = try Set(numbers).sorted().map { number in
            let size = upload.size(ofPart: number)
            return SignedPart(number: number, size: size, url: try storage.presignedPart(
                bucket: config.storage.privateBucket, key: key, multipartId: upload.multipartId, number: number, size: size,
                expires: lifetime, now: now))
        }
        return Signed(parts: parts, expiresAt: now.addingTimeInterval(Double(lifetime)))
    }

    /// S3's listing; nil once the multipart upload is gone (assembled, not yet inspected).
    private func listed(_ upload: ResumableUpload) throws -> [ResumableUpload.Part]? {
        do {
            return try environment.storage().listParts(bucket: config.storage.privateBucket,
                                                       key: ObjectKey.staging(orgSlug: upload.orgSlug, mediaId: upload.mediaId),
                                                       multipartId: upload.multipartId)
        } catch let error as S3Error where error.code == .noSuchUpload {
            return nil
        }
    }

    /// The organization's presigned upload (404 for none, or a tus upload; 410 once expired).
    private func current(_ mediaId: String, organization: Organization) throws -> ResumableUpload {
        try resumable.current(mediaId, organization: organization, kind: .presigned)
    }
}
