import MediaCore

/// Hears of each write to a media row or its variants (readers that cache rows must know).
public protocol MediaChangeListener {
    func mediaChanged(id: String, organizationId: String)
}

/// Media rows and their variants, always scoped to one organization: another
/// organization's media are indistinguishable from missing ones.
public struct MediaStore {
    let database: DatabaseConnection
    let changes: (any MediaChangeListener)?

    /// `changes` hears of every write, after it (see `changing`).
    public init(database: DatabaseConnection, changes: (any MediaChangeListener)? = nil) {
        self.database = database
        self.changes = changes
    }

    /// Runs a write to media `id`, then tells `changes`, also when the write failed part-way:
    /// a needless notice costs a reader one cache miss, a missing one would cost a stale read.
    func changing<T>(_ id: String, organizationId: String, _ write: () throws -> T) rethrows -> T {
        defer { changes?.mediaChanged(id: id, organizationId: organizationId) }
        return try write()
    }

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

    /// The variant columns of a query joining `media_variants v` (NULL when a media has none).
    static let variantColumns = """
        v.name AS v_name, v.object_key AS v_object_key, v.mime_type AS v_mime_type, v.size AS v_size,
        v.width AS v_width, v.height AS v_height
        """
    /// One statement: the row and its variants, joined. No ORDER BY: sorting made MariaDB
    /// build a temporary table (the row has TEXT columns) for five rows; Swift sorts them.
    public func find(id: String, in organization: Organization) throws -> Media? {
        let rows = try database.query("""
            SELECT \(Self.columns("m")), \(Self.variantColumns) FROM media m LEFT JOIN media_variants v ON v.media_id = m.id
            WHERE m.id = ? AND m.organization_id = ? AND m.deleting_at IS NULL
            """, [.text(id), .text(organization.id)])
        return Self.grouped(rows, organization).first
    }

    /// The page, its variants (one query for all), and a COUNT only when the page does not
    /// already tell the total (and a large total is not remembered: `ListTotals`). Measured: a page joined to its variants in one statement cost
    /// MariaDB twice the CPU of the two statements (a temporary table of the derived page).
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
        let items = try withVariants(rows.map { Self.media($0, organization) })
        let total: Int
        if let known = MediaListQuery.totalFromPage(count: items.count, limit: query.limit, offset: query.offset) {
            total = known
        } else {
            total = try ListTotals.total(of: conditions, parameters) {
                try database.queryOne("SELECT COUNT(*) AS total FROM media WHERE \(conditions)", parameters)?.int("total") ?? 0
            }
        }
        return (items, total)
    }

    /// Media from rows of a query joining their variants (`variantColumns`): consecutive rows
    /// of one media are folded into it.
    static func grouped(_ rows: [DatabaseRow], _ organization: Organization) -> [Media] {
        var items: [Media] = []
        for row in rows {
            if items.last?.id != row["id"] { items.append(media(row, organization)) }
            if row["v_name"] != nil { items[items.count - 1].variants.append(variant(row, prefix: "v_")) }
        }
        return items.map { item in
            var item = item
            item.variants = MediaVariant.inDisplayOrder(item.variants)
            return item
        }
    }

    /// Loads the variants of all `items` in one query.
    func withVariants(_ items: [Media]) throws -> [Media] {
        guard !items.isEmpty else { return items }
        let placeholders = Array(repeating: "?", count: items.count).joined(separator: ",")
        let rows = try database.query("""
            SELECT media_id, name, object_key, mime_type, size, width, height FROM media_variants
            WHERE media_id IN (\(placeholders))
            """, items.map { .text($0.id) })
        var byMedia: [String: [MediaVariant]] = [:]
        for row in rows {
            byMedia[row["media_id"] ?? "", default: []].append(Self.variant(row))
        }
        return items.map { item in
            var item = item
            item.variants = MediaVariant.inDisplayOrder(byMedia[item.id] ?? [])
            return item
        }
    }

    /// A variant from its columns, named with `prefix` where the query joins them to media.
    static func variant(_ row: DatabaseRow, prefix: String = "") -> MediaVariant {
        MediaVariant(name: row[prefix + "name"] ?? "", objectKey: row[prefix + "object_key"] ?? "",
                     mimeType: row[prefix + "mime_type"] ?? "", size: row.int(prefix + "size") ?? 0,
                     width: row.int(prefix + "width") ?? 0, height: row.int(prefix + "height") ?? 0)
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
