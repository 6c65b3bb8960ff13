import Foundation
import MediaCore
import MediaHTTP

/// tus 1.0.0 at /api/v1/media/upload/resumable (core, creation, creation-with-upload,
/// creation-defer-length, termination, expiration, checksum), over `ResumableUploadOperation`.
/// Every answer, errors included, carries `Tus-Resumable`; the upload URL ends with the media
/// id, and the answer that stored the last byte carries `Media-Id`.
enum ResumableRoutes {
    static let creationPath = "/api/v1/media/upload/resumable"
    static let uploadPath = creationPath + "/{id}"
    static let metadataKeys: Set<String> = ["orgSlug", "filename", "filetype", "alt", "caption", "description", "isPrivate",
                                            "generateVariants"]

    static func register(in router: inout Router<Endpoint>) {
        let tus = [(name: "Tus-Resumable", value: TusHeaders.version)]
        router.add("OPTIONS", creationPath, Endpoint.authenticated { context in
            var response = Response.empty(status: 204)
            response.headers.set("Tus-Version", TusHeaders.version)
            response.headers.set("Tus-Extension", TusHeaders.extensions)
            response.headers.set("Tus-Max-Size", String(context.config.resumable.maxBytes))
            response.headers.set("Tus-Checksum-Algorithm", TusHeaders.checksumAlgorithms)
            return response
        }.answering(with: tus))

        router.add("POST", creationPath, Endpoint.authenticated { context in
            try checkVersion(context.request)
            let request = context.request
            let length = try TusHeaders.size(request.headers["upload-length"], name: "Upload-Length")
            let deferred = request.headers["upload-defer-length"]
            guard (length == nil) != (deferred == nil), deferred == nil || deferred == "1" else {
                throw ServiceError.validation("send Upload-Length, or Upload-Defer-Length: 1", field: "Upload-Length")
            }
            let rawMetadata = request.headers["upload-metadata"] ?? ""
            let options = try self.options(TusHeaders.metadata(rawMetadata), caller: context.caller)
            let operation = ResumableUploadOperation(environment: context.operations)
            let (media, created) = try operation.create(length: length, options: options, metadata: rawMetadata,
                                                        organization: context.caller)
            var progress = ResumableUploadOperation.Progress(upload: created)
            if request.mediaType == TusHeaders.offsetContentType {
                // creation-with-upload: the body is the first PATCH.
                progress = try operation.append(media.id, organization: context.caller, offset: 0, length: nil, body: request.body,
                                                checksum: try checksum(request))
            }
            var response = answer(progress, status: 201)
            response.headers.set("Location", "\(creationPath)/\(media.id)")
            response.headers.set("Media-Id", media.id)
            return response
        }.answering(with: tus))

        router.add("HEAD", uploadPath, Endpoint.authenticated { context in
            try checkVersion(context.request)
            let upload = try ResumableUploadOperation(environment: context.operations)
                .current(context.parameter("id"), organization: context.caller)
            var response = answer(ResumableUploadOperation.Progress(upload: upload), status: 200)
            if upload.length == nil { response.headers.set("Upload-Defer-Length", "1") }
            if !upload.metadata.isEmpty { response.headers.set("Upload-Metadata", upload.metadata) }
            return response
        }.answering(with: tus))

        router.add("PATCH", uploadPath, Endpoint.authenticated { context in
            try checkVersion(context.request)
            let request = context.request
            guard request.mediaType == TusHeaders.offsetContentType else {
                throw ServiceError(.unsupportedMediaType, "a PATCH body must be \(TusHeaders.offsetContentType)")
            }
            guard let offset = try TusHeaders.size(request.headers["upload-offset"], name: "Upload-Offset") else {
                throw ServiceError.validation("Upload-Offset is required", field: "Upload-Offset")
            }
            let progress = try ResumableUploadOperation(environment: context.operations).append(
                context.parameter("id"), organization: context.caller, offset: offset,
                length: try TusHeaders.size(request.headers["upload-length"], name: "Upload-Length"), body: request.body,
                checksum: try checksum(request))
            return answer(progress, status: 204)
        }.answering(with: tus))

        router.add("DELETE", uploadPath, Endpoint.authenticated { context in
            try checkVersion(context.request)
            try ResumableUploadOperation(environment: context.operations)
                .terminate(context.parameter("id"), organization: context.caller)
            return .empty(status: 204)
        }.answering(with: tus))
    }

    /// 412 for a client of another protocol version (with the versions spoken).
    private static func checkVersion(_ request: Request) throws {
        guard request.headers["tus-resumable"] == TusHeaders.version else {
            throw ServiceError(.unsupportedVersion, "this server speaks tus \(TusHeaders.version); send Tus-Resumable: \(TusHeaders.version)",
                               details: ["version": TusHeaders.version])
        }
    }

    private static func checksum(_ request: Request) throws -> TusHeaders.Checksum? {
        try request.headers["upload-checksum"].map(TusHeaders.Checksum.init)
    }

    /// The offset (and, once the last byte is in, the media's id and its job).
    private static func answer(_ progress: ResumableUploadOperation.Progress, status: Int) -> Response {
        var response = Response.empty(status: status)
        let upload = progress.upload
        response.headers.set("Upload-Offset", String(upload.offset))
        if let length = upload.length { response.headers.set("Upload-Length", String(length)) }
        response.headers.set("Cache-Control", "no-store")
        if let media = progress.media {
            response.headers.set("Media-Id", media.id)
            response.headers.set("Media-Status", media.status.rawValue)
            if let jobId = progress.jobId { response.headers.set("Job-Id", jobId) }
        } else {
            response.headers.set("Upload-Expires", TusHeaders.httpDate(upload.expiresAt))
        }
        return response
    }

    private static func options(_ fields: [String: String], caller: Organization) throws -> ResumableUploadOperation.Options {
        if let unknown = fields.keys.sorted().first(where: { !metadataKeys.contains($0) }) {
            throw ServiceError.validation("Upload-Metadata has an unknown key \(unknown)", field: "Upload-Metadata")
        }
        guard let orgSlug = fields["orgSlug"], !orgSlug.isEmpty else { throw ServiceError.validation("orgSlug is required", field: "orgSlug") }
        guard orgSlug == caller.slug else { throw ServiceError(.forbidden, "this API key belongs to another organization than \(orgSlug)") }
        return ResumableUploadOperation.Options(
            filename: try FormValue.checkedFilename(fields["filename"] ?? "upload", field: "filename"),
            declaredType: fields["filetype"].flatMap { $0.isEmpty ? nil : $0 },
            alt: try FormValue.text(fields["alt"], field: "alt"),
            caption: try FormValue.text(fields["caption"], field: "caption"),
            description: try FormValue.text(fields["description"], field: "description", maxLength: 10_000),
            isPrivate: try FormValue.bool(fields["isPrivate"], field: "isPrivate", default: false),
            generateVariants: try FormValue.bool(fields["generateVariants"], field: "generateVariants", default: false))
    }
}
