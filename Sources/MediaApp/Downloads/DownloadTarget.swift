import MediaCore
import MediaHTTP

/// The one object a download or presign request may reach: an original or a variant of a
/// media of the caller's organization, with what its response headers need.
struct DownloadTarget: Equatable {
    let bucket: String
    let objectKey: String
    let mimeType: String
    /// Bytes, as recorded at upload; nil when not known yet.
    let size: Int64?
    /// The name the browser saves it under.
    let filename: String
    let isPrivate: Bool

    /// Keys outside the layout are 400, a bucket not configured is 400, everything not the
    /// caller's (or missing) is 404.
    static func resolve(objectKey: String?, bucket: String?, bucketField: String, context: RequestContext) throws -> DownloadTarget {
        let media = try ObjectReference.media(objectKey: objectKey, bucket: bucket, bucketField: bucketField, context: context)
        guard let target = DownloadTarget(media: media, objectKey: objectKey ?? "") else {
            throw ServiceError.notFound("no object \(objectKey ?? "")")
        }
        return target
    }

    init(bucket: String, objectKey: String, mimeType: String, size: Int64?, filename: String, isPrivate: Bool) {
        self.bucket = bucket
        self.objectKey = objectKey
        self.mimeType = mimeType
        self.size = size
        self.filename = filename
        self.isPrivate = isPrivate
    }

    /// `objectKey` as one of `media`'s objects, or nil when it is none of them.
    init?(media: Media, objectKey: String) {
        if objectKey == media.objectKey {
            self.init(bucket: media.bucket, objectKey: objectKey, mimeType: media.mimeType, size: media.size.map(Int64.init),
                      filename: media.filename, isPrivate: media.isPrivate)
        } else if let variant = media.variants.first(where: { $0.objectKey == objectKey }) {
            self.init(bucket: media.bucket, objectKey: objectKey, mimeType: variant.mimeType, size: Int64(variant.size),
                      filename: DownloadOptions.variantFilename(original: media.filename, variant: variant.name, objectKey: objectKey),
                      isPrivate: media.isPrivate)
        } else {
            return nil
        }
    }

    var disposition: ContentDisposition.Kind { DownloadOptions.isInline(mimeType: mimeType) ? .inline : .attachment }
}
