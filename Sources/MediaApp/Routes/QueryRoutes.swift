import MediaCore
import MediaHTTP
import MediaInfra

/// Reading and editing media: one by id, the paged list, batches, metadata updates.
enum QueryRoutes {
    static func register(in router: inout Router<Endpoint>, json: MediaJSON) {
        router.add("GET", "/api/v1/media/list", .authenticated { context in
            let query = try MediaListQuery.parse { context.request.query[$0] }
            return .json(bytes: try context.resources.readPageBody(query, in: context.caller) { items, total in
                JSONValue.object([
                    ("items", .array(items.map(json.media))),
                    ("total", .int(total)),
                    ("limit", .int(query.limit)),
                    ("offset", .int(query.offset)),
                ]).serialized()
            })
        })

        router.add("GET", "/api/v1/media/{id}", .authenticated { context in
            let id = context.parameter("id")
            guard Identifier.isWellFormed(id),
                  let body = try context.resources.readMediaBody(id: id, in: context.caller, render: { json.media($0).serialized() })
            else { throw notFound(id) }
            return .json(bytes: body)
        })

        router.add("GET", "/api/v1/media/{id}/variants", .authenticated { context in
            let media = try readMedia(context.parameter("id"), context)
            return .json(["mediaId": .string(media.id),
                          "variants": .array(media.variants.map { json.variant($0, isPrivate: media.isPrivate) })])
        })

        router.add("POST", "/api/v1/media/batch", .authenticated { context in
            let body = try JSONObjectReader.read(context.request, limit: context.config.limits.jsonMaxBytes, allowed: ["ids"])
            let ids = try batchIds(body)
            let found = try context.resources.media
                .find(ids: Array(Set(ids.filter(Identifier.isWellFormed))), in: context.caller)
            return .json([
                "items": .array(ids.compactMap { found[$0] }.map(json.media)),
                "missing": .array(ids.filter { found[$0] == nil }.map(JSONValue.string)),
            ])
        })

        router.add("PATCH", "/api/v1/media/{id}", .authenticated { context in
            let body = try JSONObjectReader.read(context.request, limit: context.config.limits.jsonMaxBytes,
                                                 allowed: ["alt", "caption", "description", "isPrivate"])
            let alt = try body.nullableString("alt")
            let caption = try body.nullableString("caption")
            let description = try body.nullableString("description")
            for (name, update) in [("alt", alt), ("caption", caption), ("description", description)] {
                if case .set(let text) = update {
                    _ = try FormValue.text(text, field: name, maxLength: name == "description" ? 10_000 : 2000)
                }
            }
            let isPrivate = try body.bool("isPrivate")
            let media = try findMedia(context.parameter("id"), context)
            if let isPrivate, isPrivate != media.isPrivate, media.status == .pending || media.status == .processing {
                // A pending media has no object to move yet (its presigned PUT targets the
                // current bucket), and a job may be writing a processing one's variants.
                throw ServiceError(.conflict, "media \(media.id) is \(media.status.rawValue); its privacy can change once it is ready",
                                   details: ["status": media.status.rawValue])
            }
            let updated = try PrivacyOperation(environment: context.operations).move(media, toPrivate: isPrivate ?? media.isPrivate) { media in
                apply(alt, to: &media.alt)
                apply(caption, to: &media.caption)
                apply(description, to: &media.description)
            }
            return .json(json.media(try findMedia(updated.id, context)))
        })
    }

    /// Like `findMedia`, for answering reads: from this process's cache when no write has
    /// touched the media since it was read (`MediaReadCache`).
    static func readMedia(_ id: String, _ context: RequestContext) throws -> Media {
        guard Identifier.isWellFormed(id), let media = try context.resources.readMedia(id: id, in: context.caller) else {
            throw notFound(id)
        }
        return media
    }

    /// The caller's media with that id, or 404 (also for another organization's id).
    static func findMedia(_ id: String, _ context: RequestContext) throws -> Media {
        guard Identifier.isWellFormed(id), let media = try context.resources.media.find(id: id, in: context.caller) else {
            throw notFound(id)
        }
        return media
    }

    private static func notFound(_ id: String) -> ServiceError { .notFound("no media with id \(id)") }

    /// `ids` as an array of strings or one comma-separated string; 1–100 of them.
    static func batchIds(_ body: JSONObjectReader) throws -> [String] {
        var ids: [String]
        switch body.member("ids") {
        case .array(let values)?:
            ids = try values.map { value in
                guard let id = value.stringValue else { throw ServiceError.validation("ids must be strings", field: "ids") }
                return id
            }
        case .string(let text)?:
            ids = text.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
        case nil, .null?:
            throw ServiceError.validation("ids is required", field: "ids")
        default:
            throw ServiceError.validation("ids must be an array of strings or a comma-separated string", field: "ids")
        }
        guard (1...100).contains(ids.count) else { throw ServiceError.validation("ids must hold 1 to 100 ids", field: "ids") }
        return ids
    }

    private static func apply(_ update: NullableUpdate<String>, to field: inout String?) {
        switch update {
        case .keep: break
        case .clear: field = nil
        case .set(let text): field = text
        }
    }
}
