import MediaCore

extension MediaStore {
    var searchIndex: MediaSearchIndex { MediaSearchIndex(database: database) }

    /// Inserts a media row, its variants, its filename's index rows and its count, in one transaction.
    public func insert(_ media: Media) throws {
        try changing(media.id, organizationId: media.organizationId) { try database.transaction {
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
            try searchIndex.index(.init(mediaId: media.id, organizationId: media.organizationId, filename: media.filename,
                                        mimeType: media.mimeType))
            try searchIndex.adjustCount(organizationId: media.organizationId, by: 1)
        } }
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

extension MediaStore {
    /// Saves the editable fields and where the objects live (after a privacy move).
    public func updateMetadata(_ media: Media) throws {
        try changing(media.id, organizationId: media.organizationId) { try database.execute("""
            UPDATE media SET alt = ?, caption = ?, description = ?, is_private = ?, bucket = ?, updated_at = UTC_TIMESTAMP(3)
            WHERE id = ? AND organization_id = ?
            """, [.optional(media.alt), .optional(media.caption), .optional(media.description), .bool(media.isPrivate),
                  .text(media.bucket), .text(media.id), .text(media.organizationId)]) }
    }

    /// Hides the media from every read while its objects are removed (it leaves the search
    /// index and the count at once); a delete that stops half-way is finished by repeating it.
    public func markDeleting(id: String, in organization: Organization) throws {
        try changing(id, organizationId: organization.id) { try database.transaction {
            let marked = try database.execute(
                "UPDATE media SET deleting_at = UTC_TIMESTAMP(3) WHERE id = ? AND organization_id = ? AND deleting_at IS NULL",
                [.text(id), .text(organization.id)])
            guard marked == 1 else { return }
            try searchIndex.unindex(mediaId: id)
            try searchIndex.adjustCount(organizationId: organization.id, by: -1)
        } }
    }

    /// Removes the row (its variants and index rows follow by cascade). True if there was one.
    /// A row not marked first still leaves the count.
    @discardableResult
    public func delete(id: String, in organization: Organization) throws -> Bool {
        try changing(id, organizationId: organization.id) { try database.transaction {
            guard let row = try database.queryOne("SELECT deleting_at FROM media WHERE id = ? AND organization_id = ? FOR UPDATE",
                                                  [.text(id), .text(organization.id)]) else { return false }
            try database.execute("DELETE FROM media WHERE id = ? AND organization_id = ?", [.text(id), .text(organization.id)])
            if row["deleting_at"] == nil { try searchIndex.adjustCount(organizationId: organization.id, by: -1) }
            return true
        } }
    }
}

extension MediaStore {
    /// Like `find`, but also a media whose delete was interrupted (to finish it).
    public func findForDeletion(id: String, in organization: Organization) throws -> Media? {
        try database.queryOne("SELECT \(Self.columns()) FROM media WHERE id = ? AND organization_id = ?",
                              [.text(id), .text(organization.id)]).map { Self.media($0, organization) }
    }

    /// The media owning `objectKey` (its original or one of its variants), if it is the caller's.
    /// Keys embed the media id, so this is a primary-key lookup plus a check of the key.
    public func find(objectKey: String, in organization: Organization, includeDeleting: Bool = false) throws -> Media? {
        guard let key = ObjectKey.parse(objectKey) else { return nil }
        let media = includeDeleting ? try findForDeletion(id: key.mediaId, in: organization).map { try withVariants([$0])[0] }
                                    : try find(id: key.mediaId, in: organization)
        guard let media, media.objectKey == objectKey || media.variants.contains(where: { $0.objectKey == objectKey }) else {
            return nil
        }
        return media
    }

    /// The caller's media among `ids`, keyed by id.
    public func find(ids: [String], in organization: Organization) throws -> [String: Media] {
        guard !ids.isEmpty else { return [:] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let rows = try database.query(
            "SELECT \(Self.columns()) FROM media WHERE organization_id = ? AND deleting_at IS NULL AND id IN (\(placeholders))",
            [.text(organization.id)] + ids.map { .text($0) })
        let items = try withVariants(rows.map { Self.media($0, organization) })
        return Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

extension MediaStore {
    /// A pending media becomes ready with what was found in the upload; false if it was no
    /// longer pending (another completion won).
    public func markCompleted(_ media: Media) throws -> Bool {
        try changing(media.id, organizationId: media.organizationId) { try database.transaction {
            let changed = try database.execute("""
                UPDATE media SET object_key = ?, mime_type = ?, size = ?, width = ?, height = ?, checksum = ?, status = ?,
                                 updated_at = UTC_TIMESTAMP(3)
                WHERE id = ? AND organization_id = ? AND status = 'pending'
                """, [.text(media.objectKey), .text(media.mimeType), media.size.map { .int($0) } ?? .null,
                      media.width.map { .int($0) } ?? .null, media.height.map { .int($0) } ?? .null, .optional(media.checksum),
                      .text(media.status.rawValue), .text(media.id), .text(media.organizationId)])
            guard changed == 1 else { return false }
            try insertVariants(media.variants, mediaId: media.id)
            try searchIndex.retype(mediaId: media.id, mimeType: media.mimeType)
            return true
        } }
    }
}

extension MediaStore {
    public func setStatus(id: String, organizationId: String, _ status: MediaStatus) throws {
        try changing(id, organizationId: organizationId) {
            try database.execute("UPDATE media SET status = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND organization_id = ?",
                                 [.text(status.rawValue), .text(id), .text(organizationId)])
        }
    }

    /// Replaces the original's description (after a crop) and the variant rows, in one
    /// transaction; the status becomes `status`. Only while the row still has the bucket and
    /// version the work started from (`expected`): false, with nothing changed, if a privacy
    /// move or another crop got there first. Only rows that exist are deleted: a delete that
    /// matches nothing would lock a gap other media's inserts need.
    public func replaceOriginalAndVariants(_ media: Media, status: MediaStatus, expected: Media) throws -> Bool {
        try changing(media.id, organizationId: media.organizationId) { try database.transaction {
            guard let current = try database.queryOne("SELECT bucket, version FROM media WHERE id = ? AND organization_id = ? FOR UPDATE",
                                                      [.text(media.id), .text(media.organizationId)]),
                  current["bucket"] == expected.bucket, current["version"] == String(expected.version) else { return false }
            try database.execute("""
                UPDATE media SET object_key = ?, version = ?, mime_type = ?, size = ?, width = ?, height = ?, checksum = ?,
                                 status = ?, updated_at = UTC_TIMESTAMP(3)
                WHERE id = ? AND organization_id = ?
                """, [.text(media.objectKey), .int(media.version), .text(media.mimeType), media.size.map { .int($0) } ?? .null,
                      media.width.map { .int($0) } ?? .null, media.height.map { .int($0) } ?? .null, .optional(media.checksum),
                      .text(status.rawValue), .text(media.id), .text(media.organizationId)])
            let existing = try database.query("SELECT name FROM media_variants WHERE media_id = ?", [.text(media.id)])
                .compactMap { $0["name"] }
            for name in existing {
                try database.execute("DELETE FROM media_variants WHERE media_id = ? AND name = ?", [.text(media.id), .text(name)])
            }
            try insertVariants(media.variants, mediaId: media.id)
            if media.mimeType != expected.mimeType { try searchIndex.retype(mediaId: media.id, mimeType: media.mimeType) }
            return true
        } }
    }

    /// The media by id whatever organization (job handlers act for the job's organization).
    public func find(id: String, organizationId: String) throws -> Media? {
        guard let row = try database.queryOne("""
            SELECT \(Self.columns("m")), o.slug AS org_slug FROM media m JOIN organizations o ON o.id = m.organization_id
            WHERE m.id = ? AND m.organization_id = ? AND m.deleting_at IS NULL
            """, [.text(id), .text(organizationId)]) else { return nil }
        let organization = Organization(id: organizationId, slug: row["org_slug"] ?? "", name: "")
        return try withVariants([Self.media(row, organization)]).first
    }
}
