import MediaCore

/// Media rows and their variants, always scoped to one organization: another
/// organization's media are indistinguishable from missing ones.
public struct MediaStore {
    let database: DatabaseConnection

    public init(database: DatabaseConnection) { self.database = database }

    /// The selected columns, qualified with `alias` when the query joins.
    static func columns(_ alias: String = "") -> String {
        let a = alias.isEmpty ? "" : "\(alias)."
        return """
            \(a)id, \(a)organization_id, \(a)bucket, \(a)object_key, \(a)version, \(a)filename, \(a)mime_type, \(a)size,
            \(a)width, \(a)height, \(a)checksum, \(a)alt, \(a)caption, \(a)description, \(a)is_private, \(a)status,
            DATE_FORMAT(\(a)created_at, '%Y-%m-%dT%H:%i:%sZ') AS created_at,
            DATE_FORMAT(\(a)updated_at, '%Y-%m-%dT%H:%i:%sZ') AS updated_at
            """
    }

    public func find(id: String, in organization: Organization) throws -> Media? {
        guard let row = try database.queryOne(
            "SELECT \(Self.columns()) FROM media WHERE id = ? AND organization_id = ? AND deleting_at IS NULL",
            [.text(id), .text(organization.id)]) else { return nil }
        return try withVariants([Self.media(row, organization)]).first
    }

    public func list(_ query: MediaListQuery, in organization: Organization) throws -> (items: [Media], total: Int) {
        var conditions = "organization_id = ? AND deleting_at IS NULL"
        var parameters: [DatabaseValue] = [.text(organization.id)]
        if let search = query.search {
            conditions += " AND filename LIKE ? ESCAPE '\\\\'"
            parameters.append(.text(MediaListQuery.likePattern(containing: search)))
        }
        if let type = query.typePrefix {
            conditions += " AND mime_type LIKE ? ESCAPE '\\\\'"
            parameters.append(.text(String(MediaListQuery.likePattern(containing: type).dropFirst())))
        }
        // Only fixed column names reach the SQL text; user input stays in parameters. The
        // column is qualified: a bare `created_at` would name the DATE_FORMAT(...) alias of the
        // select list, a string no index holds, so MariaDB sorted every row of the
        // organization (a filesort of 1,000,000 rows for a big one) instead of reading
        // media_org_created in order.
        let column = switch query.sort {
        case .createdAt: "created_at"
        case .filename: "filename"
        case .size: "size"
        }
        let direction = query.order == .asc ? "ASC" : "DESC"
        let rows = try database.query(
            "SELECT \(Self.columns()) FROM media WHERE \(conditions) ORDER BY media.\(column) \(direction), media.id \(direction) LIMIT ? OFFSET ?",
            parameters + [.int(query.limit), .int(query.offset)])
        let total = try database.queryOne("SELECT COUNT(*) AS total FROM media WHERE \(conditions)", parameters)?.int("total") ?? 0
        return (try withVariants(rows.map { Self.media($0, organization) }), total)
    }

    /// Loads the variants of all `items` in one query.
    func withVariants(_ items: [Media]) throws -> [Media] {
        guard !items.isEmpty else { return items }
        let placeholders = Array(repeating: "?", count: items.count).joined(separator: ",")
        let rows = try database.query("""
            SELECT media_id, name, object_key, mime_type, size, width, height FROM media_variants
            WHERE media_id IN (\(placeholders)) ORDER BY media_id, FIELD(name, 'thumbnail', 'small', 'medium', 'large', 'original_webp'), name
            """, items.map { .text($0.id) })
        var byMedia: [String: [MediaVariant]] = [:]
        for row in rows {
            byMedia[row["media_id"] ?? "", default: []].append(MediaVariant(
                name: row["name"] ?? "", objectKey: row["object_key"] ?? "", mimeType: row["mime_type"] ?? "",
                size: row.int("size") ?? 0, width: row.int("width") ?? 0, height: row.int("height") ?? 0))
        }
        return items.map { item in
            var item = item
            item.variants = byMedia[item.id] ?? []
            return item
        }
    }

    static func media(_ row: DatabaseRow, _ organization: Organization) -> Media {
        Media(id: row["id"] ?? "", organizationId: row["organization_id"] ?? "", orgSlug: organization.slug,
              bucket: row["bucket"] ?? "", objectKey: row["object_key"] ?? "", version: row.int("version") ?? 1,
              filename: row["filename"] ?? "", mimeType: row["mime_type"] ?? "", size: row.int("size"),
              width: row.int("width"), height: row.int("height"), checksum: row["checksum"],
              alt: row["alt"], caption: row["caption"], description: row["description"],
              isPrivate: row.bool("is_private"), status: MediaStatus(rawValue: row["status"] ?? "") ?? .failed,
              createdAt: row["created_at"] ?? "", updatedAt: row["updated_at"] ?? "")
    }
}
