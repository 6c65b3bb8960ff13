import MediaCore
import MediaInfra

/// Finds the caller's media from a client-sent `objectKey` (+ optional bucket). Keys outside
/// the service's layout are 400; keys of other organizations or of nothing are 404, alike.
enum ObjectReference {
    static func media(objectKey: String?, bucket: String?, bucketField: String, context: RequestContext,
                      includeDeleting: Bool = false) throws -> Media {
        guard let objectKey, !objectKey.isEmpty else { throw ServiceError.validation("objectKey is required", field: "objectKey") }
        guard let key = ObjectKey.parse(objectKey) else {
            throw ServiceError.validation("objectKey is not a key of this service ({orgSlug}/{id}/{name})", field: "objectKey")
        }
        try checkBucket(bucket, field: bucketField, config: context.config)
        guard key.orgSlug == context.caller.slug,
              let media = try context.resources.media
                .find(objectKey: objectKey, in: context.caller, includeDeleting: includeDeleting),
              bucket == nil || bucket == media.bucket else {
            throw ServiceError.notFound("no object \(objectKey)")
        }
        return media
    }

    /// A bucket the client named must be one this service is configured with.
    static func checkBucket(_ bucket: String?, field: String, config: AppConfig) throws {
        guard let bucket else { return }
        guard config.storage.allowedBuckets.contains(bucket) else {
            throw ServiceError.validation("bucket \(bucket) is not configured", field: field)
        }
    }
}
