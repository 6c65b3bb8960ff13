import Foundation
import MediaCore
import MediaHTTP

/// Presigned multipart uploads at /api/v1/media/upload/multipart, over
/// `PresignedMultipartOperation`: create (the first parts' URLs), sign more parts, list what
/// S3 holds (to resume), complete with the parts' ETags, abort. JSON in and out.
enum MultipartRoutes {
    static let creationPath = "/api/v1/media/upload/multipart"
    static let uploadPath = creationPath + "/{id}"
    static let createFields: Set<String> = ["orgSlug", "filename", "mimeType", "size", "alt", "caption", "description", "isPrivate",
                                            "generateVariants", "firstParts"]

    static func register(in router: inout Router<Endpoint>, json: MediaJSON) {
        router.add("POST", creationPath, .authenticated { context in
            let body = try JSONObjectReader.read(context.request, limit: context.config.limits.jsonMaxBytes, allowed: createFields)
            let orgSlug = try body.requiredString("orgSlug")
            guard orgSlug == context.caller.slug else {
                throw ServiceError(.forbidden, "this API key belongs to another organization than \(orgSlug)")
            }
            guard let size = try body.int("size", in: 0...Int.max) else { throw ServiceError.validation("size is required", field: "size") }
            let options = ResumableUploadOperation.Options(
                filename: try FormValue.checkedFilename(try body.requiredString("filename"), field: "filename"),
                declaredType: try body.string("mimeType"),
                alt: try FormValue.text(try body.string("alt"), field: "alt"),
                caption: try FormValue.text(try body.string("caption"), field: "caption"),
                description: try FormValue.text(try body.string("description"), field: "description", maxLength: 10_000),
                isPrivate: try body.bool("isPrivate") ?? false,
                generateVariants: try body.bool("generateVariants") ?? false)
            let firstParts = try body.int("firstParts", in: 1...PresignedMultipartOperation.maxPartsPerRequest)
            let (media, upload, signed) = try PresignedMultipartOperation(environment: context.operations)
                .create(length: size, options: options, firstParts: firstParts, organization: context.caller)
            var response = Response.json(.object(describe(upload) + [("parts", partURLs(signed)),
                                                                     ("urlsExpireAt", .string(Timestamp.rfc3339(signed.expiresAt)))]),
                                         status: 201)
            response.headers.set("Location", "\(creationPath)/\(media.id)")
            return response
        })

        router.add("GET", uploadPath, .authenticated { context in
            let (upload, listed) = try PresignedMultipartOperation(environment: context.operations)
                .parts(context.parameter("id"), organization: context.caller)
            let parts = listed.map { part in
                JSONValue.object([("partNumber", .int(part.number)), ("size", .int(part.size)), ("etag", .optional(part.etag)),
                                  ("etags", .array(part.etags.map(JSONValue.string)))])
            }
            var response = Response.json(.object(describe(upload) + [("parts", .array(parts))]))
            response.headers.set("Cache-Control", "no-store")
            return response
        })

        router.add("POST", uploadPath + "/parts", .authenticated { context in
            let body = try JSONObjectReader.read(context.request, limit: context.config.limits.jsonMaxBytes, allowed: ["partNumbers"])
            guard case .array(let items)? = body.member("partNumbers") else {
                throw ServiceError.validation("partNumbers must be an array of part numbers", field: "partNumbers")
            }
            let numbers = try items.map { item in
                guard let number = item.intValue else { throw ServiceError.validation("partNumbers must hold integers", field: "partNumbers") }
                return number
            }
            let signed = try PresignedMultipartOperation(environment: context.operations)
                .sign(context.parameter("id"), numbers: numbers, organization: context.caller)
            return .json(["parts": partURLs(signed), "urlsExpireAt": .string(Timestamp.rfc3339(signed.expiresAt))])
        })

        router.add("POST", uploadPath + "/complete", .authenticated { context in
            let body = try JSONObjectReader.read(context.request, limit: context.config.limits.jsonMaxBytes, allowed: ["parts"])
            let progress = try PresignedMultipartOperation(environment: context.operations)
                .complete(context.parameter("id"), parts: try claimedParts(body), organization: context.caller)
            guard let media = progress.media else { throw ServiceError(.internalError, "the upload completed without its media") }
            if let jobId = progress.jobId { return .json(["media": json.media(media), "jobId": .string(jobId)], status: 202) }
            return .json(["media": json.media(media), "jobId": .null])
        })

        router.add("DELETE", uploadPath, .authenticated { context in
            try PresignedMultipartOperation(environment: context.operations).abort(context.parameter("id"), organization: context.caller)
            return .empty(status: 204)
        })
    }

    /// `parts`: `[{"partNumber": 1, "etag": "\"…\""}, …]`, every part once.
    private static func claimedParts(_ body: JSONObjectReader) throws -> [MultipartCompletion.Claimed] {
        guard case .array(let items)? = body.member("parts"), !items.isEmpty else {
            throw ServiceError.validation("parts must list every part as {\"partNumber\", \"etag\"}", field: "parts")
        }
        return try items.map { item in
            let part = try JSONObjectReader(item, allowed: ["partNumber", "etag"])
            guard let number = try part.int("partNumber", in: 1...ResumableUpload.maximumParts) else {
                throw ServiceError.validation("every part needs its partNumber", field: "parts")
            }
            guard let etag = try part.string("etag"), !MultipartCompletion.normalized(etag).isEmpty else {
                throw ServiceError(.validationError, "part \(number) needs the ETag its PUT answered",
                                   details: ["field": "parts", "partNumber": String(number)])
            }
            return MultipartCompletion.Claimed(number: number, etag: etag)
        }
    }

    private static func describe(_ upload: ResumableUpload) -> [(String, JSONValue)] {
        [("mediaId", .string(upload.mediaId)), ("uploadId", .string(upload.multipartId)), ("size", .optional(upload.length)),
         ("partSize", .int(upload.partSize)), ("partCount", .int(upload.partCount)),
         ("expiresAt", .string(Timestamp.rfc3339(upload.expiresAt)))]
    }

    private static func partURLs(_ signed: PresignedMultipartOperation.Signed) -> JSONValue {
        .array(signed.parts.map { part in
            .object([("partNumber", .int(part.number)), ("size", .int(part.size)), ("method", "PUT"), ("url", .string(part.url)),
                     ("headers", .object([("Content-Length", .string(String(part.size)))]))])
        })
    }
}
