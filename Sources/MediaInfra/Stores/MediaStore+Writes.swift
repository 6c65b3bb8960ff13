import MediaCore

extension MediaStore {
    /// Inserts a media row and its variants in one transaction.
    public func insert(_ media: Media) throws {
        try database.transaction {
            try database.execute("""
                INSERT INTO media (id, organization_id, bucket, object_key, version, filename, mime_type, size, width, height,
                                   checksum, alt, caption, description, is_private, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))
                """, [.text(media.id), .text(media.organizationId), .text(media.bucket), .text(media.objectKey), .int(media.version),
                      .text(media.filename), .text(media.mimeType), media.size.map { .int($0) } ?? .null,
                      media.width.map { .int($0) } ?? .null, media.height.map { .int($0) } ?? .null, .optional(media.checksum),
                      .optional(media.alt), .optional(media.caption), .optional(media.description), .bool(media.isPrivate),
                      .text(media.status.rawValue)])
            try insertVariants(media.variants, mediaId: media.id)
        }
    }

    func insertVariants(_ variants: [MediaVariant], mediaId: String) throws {
        for variant in variants {
            try database.execute("""
                INSERT INTO media_variants (media_id, name, object_key, mime_type, size, width, height, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))
                """, [.text(mediaId), .text(variant.name), .text(variant.objectKey), .text(variant.mimeType),
                      .int(variant.size), .int(variant.width), .int(variant.height)])
        }
    }
}
