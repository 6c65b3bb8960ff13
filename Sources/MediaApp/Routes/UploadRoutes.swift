import Foundation
import MediaCore
import MediaHTTP
import MediaInfra

enum UploadRoutes {
    static let formFields: Set<String> = ["orgSlug", "alt", "caption", "description", "isPrivate", "generateVariants", "async"]

    static func register(in router: inout Router<Endpoint>, json: MediaJSON) {
        router.add("POST", "/api/v1/media/upload", .authenticated { context in
            let timer = StageTimer()
            let receiver = UploadReceiver(maxFileBytes: context.config.limits.uploadMaxBytes, allowedFields: formFields)
            let upload = try timer.measure("receive") { try receiver.receive(context.request) }
            let fields = upload.fields
            guard let orgSlug = fields["orgSlug"], !orgSlug.isEmpty else { throw ServiceError.validation("orgSlug is required", field: "orgSlug") }
            guard orgSlug == context.caller.slug else {
                throw ServiceError(.forbidden, "this API key belongs to another organization than \(orgSlug)")
            }
            let generateVariants = try FormValue.bool(fields["generateVariants"], field: "generateVariants", default: false)
            // `async` matters only with variants: without them there is nothing to defer.
            let deferVariants = try FormValue.bool(fields["async"], field: "async", default: false) && generateVariants
            let options = UploadOperation.Options(
                filename: try FormValue.checkedFilename(upload.filename, field: "file"),
                alt: try FormValue.text(fields["alt"], field: "alt"),
                caption: try FormValue.text(fields["caption"], field: "caption"),
                description: try FormValue.text(fields["description"], field: "description", maxLength: 10_000),
                isPrivate: try FormValue.bool(fields["isPrivate"], field: "isPrivate", default: false),
                generateVariants: generateVariants && !deferVariants)
            var media = try UploadOperation(environment: context.operations, timer: timer)
                .store(upload.file, options: options, organization: context.caller)
            var response: Response
            if deferVariants && media.fileType.isImage {
                let job = try enqueueOrDiscard(.upload, media: media, context: context)
                media.status = .processing
                response = .json(["media": json.media(media), "jobId": .string(job.id)], status: 202)
            } else {
                response = .json(["media": json.media(media), "jobId": .null], status: 201)
            }
            response.headers.set("Server-Timing", timer.headerValue)
            return response
        })

        router.add("POST", "/api/v1/media/upload/presigned", .authenticated { context in
            let body = try JSONObjectReader.read(context.request, limit: context.config.limits.jsonMaxBytes,
                                                 allowed: ["orgSlug", "filename", "mimeType", "size"])
            let orgSlug = try body.requiredString("orgSlug")
            guard orgSlug == context.caller.slug else {
                throw ServiceError(.forbidden, "this API key belongs to another organization than \(orgSlug)")
            }
            let filename = try FormValue.checkedFilename(try body.requiredString("filename"), field: "filename")
            let ticket = try PresignedUploadOperation(environment: context.operations).start(
                filename: filename, declaredType: try body.string("mimeType"), declaredSize: try body.int("size", in: 0...Int.max),
                organization: context.caller)
            return .json([
                "mediaId": .string(ticket.media.id),
                "bucket": .string(ticket.media.bucket),
                "objectKey": .string(ticket.media.objectKey),
                "uploadUrl": .string(ticket.uploadURL),
                "method": "PUT",
                "headers": .object(ticket.headers.map { ($0.name, JSONValue.string($0.value)) }),
                "expiresAt": .string(Timestamp.rfc3339(ticket.expiresAt)),
            ])
        })

        router.add("POST", "/api/v1/media/{id}/complete", .authenticated { context in
            let body = try JSONObjectReader.read(context.request, limit: context.config.limits.jsonMaxBytes,
                                                 allowed: ["generateVariants", "async"])
            let generateVariants = try body.bool("generateVariants") ?? false
            let deferVariants = try generateVariants && (body.bool("async") ?? false)
            let id = context.parameter("id")
            guard Identifier.isWellFormed(id),
                  let media = try context.resources.media.find(id: id, in: context.caller) else {
                throw ServiceError.notFound("no media with id \(id)")
            }
            var completed = try PresignedUploadOperation(environment: context.operations)
                .complete(media, generateVariants: generateVariants && !deferVariants, organization: context.caller)
            if deferVariants && completed.fileType.isImage {
                let job = try JobScheduler(environment: context.operations).enqueue(.upload, media: completed)
                completed.status = .processing
                return .json(["media": json.media(completed), "jobId": .string(job.id)], status: 202)
            }
            return .json(["media": json.media(completed), "jobId": .null])
        })
    }

    /// Queues the variants job of a new upload; if the queue cannot take it, the upload is
    /// undone (objects and row) so the client can simply retry.
    private static func enqueueOrDiscard(_ type: JobType, media: Media, context: RequestContext) throws -> Job {
        do {
            return try JobScheduler(environment: context.operations).enqueue(type, media: media)
        } catch {
            _ = try? DeleteOperation(environment: context.operations).delete(media, organization: context.caller)
            throw error
        }
    }
}
