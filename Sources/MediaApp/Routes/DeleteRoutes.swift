import MediaCore
import MediaHTTP
import MediaInfra

enum DeleteRoutes {
    static func register(in router: inout Router<Endpoint>) {
        // By id, or by objectKey (+ bucketName), in the query or a JSON body.
        router.add("DELETE", "/api/v1/media/", .authenticated { context in
            let body = try JSONObjectReader.read(context.request, limit: context.config.limits.jsonMaxBytes,
                                                 allowed: ["id", "objectKey", "bucketName"])
            let query = context.request.query
            let id = try query["id"] ?? body.string("id")
            let objectKey = try query["objectKey"] ?? body.string("objectKey")
            let bucket = try query["bucketName"] ?? body.string("bucketName")
            guard (id == nil) != (objectKey == nil) else {
                throw ServiceError.validation("give exactly one of id and objectKey", field: id == nil ? "id" : "objectKey")
            }
            let store = context.resources.media
            let media: Media
            if let id {
                guard Identifier.isWellFormed(id), let found = try store.findForDeletion(id: id, in: context.caller) else {
                    throw ServiceError.notFound("no media with id \(id)")
                }
                media = found
            } else {
                media = try ObjectReference.media(objectKey: objectKey, bucket: bucket, bucketField: "bucketName",
                                                  context: context, includeDeleting: true)
            }
            let removed = try DeleteOperation(environment: context.operations).delete(media, organization: context.caller)
            return .json(["deleted": ["mediaId": .string(media.id), "objects": .int(removed)]])
        })
    }
}
