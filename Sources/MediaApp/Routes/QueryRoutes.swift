import MediaCore
import MediaHTTP
import MediaInfra

/// Reading media: one by id, and the paged, searchable list.
enum QueryRoutes {
    static func register(in router: inout Router<Endpoint>, json: MediaJSON) {
        router.add("GET", "/api/v1/media/list", .authenticated { context in
            let query = try MediaListQuery.parse { context.request.query[$0] }
            let (items, total) = try MediaStore(database: context.resources.database).list(query, in: context.caller)
            return .json([
                "items": .array(items.map(json.media)),
                "total": .int(total),
                "limit": .int(query.limit),
                "offset": .int(query.offset),
            ])
        })

        router.add("GET", "/api/v1/media/{id}", .authenticated { context in
            .json(json.media(try findMedia(context.parameter("id"), context)))
        })
    }

    /// The caller's media with that id, or 404 (also for another organization's id).
    static func findMedia(_ id: String, _ context: RequestContext) throws -> Media {
        guard Identifier.isWellFormed(id),
              let media = try MediaStore(database: context.resources.database).find(id: id, in: context.caller) else {
            throw ServiceError.notFound("no media with id \(id)")
        }
        return media
    }
}
