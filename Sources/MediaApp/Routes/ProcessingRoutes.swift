import Foundation
import MediaCore
import MediaHTTP
import MediaInfra
import S3

/// Crops, variant rebuilds, variant lookups and job status.
enum ProcessingRoutes {
    static func register(in router: inout Router<Endpoint>, json: MediaJSON) {
        router.add("POST", "/api/v1/media/crop", .authenticated { context in
            let body = try JSONObjectReader.read(context.request, limit: context.config.limits.jsonMaxBytes, allowed: CropFields.all)
            let request = try CropFields.request(from: body)
            let media = try ObjectReference.media(objectKey: try body.string("objectKey"), bucket: try body.string("bucketName"),
                                                  bucketField: "bucketName", context: context)
            try requireUploaded(media)
            try requireImage(media)
            guard let width = media.width, let height = media.height, request.fits(imageWidth: width, imageHeight: height) else {
                throw ServiceError(.invalidCrop, "the rectangle \(request.width)x\(request.height) at (\(request.x), \(request.y)) "
                                   + "does not fit inside the \(media.width ?? 0)x\(media.height ?? 0) image")
            }
            let target = media.version + 1
            if try body.bool("async") == true {
                let job = try JobScheduler(environment: context.operations)
                    .enqueue(.crop, media: media, payload: CropFields.payload(request, targetVersion: target))
                return .json(["jobId": .string(job.id), "mediaId": .string(media.id)], status: 202)
            }
            let cropped = try JobScheduler(environment: context.operations).withLock(media) { current in
                try ProcessingOperation(environment: context.operations).crop(current, request, targetVersion: target)
            }
            return .json(json.media(try QueryRoutes.findMedia(cropped.id, context)))
        })

        router.add("POST", "/api/v1/media/variants", .authenticated { context in
            let body = try JSONObjectReader.read(context.request, limit: context.config.limits.jsonMaxBytes,
                                                 allowed: ["objectKey", "bucketName"])
            let media = try ObjectReference.media(objectKey: try body.string("objectKey"), bucket: try body.string("bucketName"),
                                                  bucketField: "bucketName", context: context)
            try requireUploaded(media)
            try requireImage(media)
            let job = try JobScheduler(environment: context.operations).enqueue(.variants, media: media)
            return .json(["jobId": .string(job.id), "mediaId": .string(media.id)], status: 202)
        })

        router.add("GET", "/api/v1/media/variants/info", .authenticated { context in
            let query = context.request.query
            let media = try ObjectReference.media(objectKey: query["objectKey"], bucket: query["bucket"], bucketField: "bucket",
                                                  context: context)
            return .json(["objectKey": .string(media.objectKey), "bucket": .string(media.bucket),
                          "variants": .array(media.variants.map { json.variant($0, isPrivate: media.isPrivate) })])
        })

        router.add("GET", "/api/v1/media/variant/{bucket}/{variantName}/{folder...}", .authenticated { context in
            let bucket = context.parameter("bucket")
            try ObjectReference.checkBucket(bucket, field: "bucket", config: context.config)
            let name = context.parameter("variantName")
            guard context.config.media.variants.contains(where: { $0.name == name }) else {
                throw ServiceError.validation("unknown variant \(name); known: "
                                              + context.config.media.variants.map(\.name).joined(separator: ", "), field: "variantName")
            }
            guard let folder = ObjectKey.parseFolder(context.parameter("folder")), folder.orgSlug == context.caller.slug,
                  let media = try context.resources.media.find(id: folder.mediaId, in: context.caller),
                  media.bucket == bucket else {
                throw ServiceError.notFound("no media in folder \(context.parameter("folder"))")
            }
            guard let variant = media.variants.first(where: { $0.name == name }) else {
                throw ServiceError.notFound("variant \(name) of media \(media.id) has not been generated")
            }
            let location = media.isPrivate
                ? try context.resources.storage().presignedURL(method: .get, bucket: media.bucket, key: variant.objectKey, expires: 3600)
                : "\(context.config.storage.cdnBaseURL)/\(variant.objectKey)"
            var response = Response(status: 302)
            response.headers.set("Location", location)
            // A presigned URL expires: never cache the redirect to one. A public one is still an
            // answer to an authenticated request: only the client may keep it, never a shared cache.
            response.headers.set("Cache-Control", media.isPrivate ? "no-store" : "private, max-age=300")
            return response
        })

        router.add("GET", "/api/v1/media/job/{jobId}", .authenticated { context in
            let id = context.parameter("jobId")
            guard Identifier.isWellFormed(id), let job = try JobQueue(redis: context.resources.redis).job(id: id),
                  job.organizationId == context.caller.id else {
                throw ServiceError.notFound("no job \(id)")
            }
            return .json(jobJSON(job))
        })
    }

    /// A pending media (presigned upload not completed) has no bytes to process: a job on it
    /// would fail and leave the row `ready` without an object.
    static func requireUploaded(_ media: Media) throws {
        guard media.status != .pending else {
            throw ServiceError(.conflict, "media \(media.id) is pending: complete its upload first", details: ["status": media.status.rawValue])
        }
    }

    static func requireImage(_ media: Media) throws {
        guard media.fileType.isImage else {
            throw ServiceError(.unsupportedMediaType, "media \(media.id) is \(media.mimeType), not an image", details: ["type": media.mimeType])
        }
    }

    static func jobJSON(_ job: Job) -> JSONValue {
        let result = job.result.flatMap { try? JSONParser.parse(Array($0.utf8)) } ?? .null
        return .object([
            ("id", .string(job.id)), ("type", .string(job.type.rawValue)), ("state", .string(job.state.rawValue)),
            ("progress", .int(job.progress)), ("attempts", .int(job.attempts)), ("failedReason", .optional(job.failedReason)),
            ("result", result), ("mediaId", .string(job.mediaId)), ("createdAt", .string(job.createdAt)),
            ("startedAt", .optional(job.startedAt)), ("finishedAt", .optional(job.finishedAt)),
        ])
    }
}
