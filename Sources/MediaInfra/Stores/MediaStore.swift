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
    /// already tell the total. Measured: a page joined to its variants in one statement cost
    /// MariaDB twice the CPU of the two statements (a temporary table of the derived page).
    /// Without filters the total is the organization's counter; with them it is counted (and a
    /// large total remembered a few seconds: `ListTotals`). A search reads the filename index
    /// (`FilenameSearchPlan`), so what it costs follows the matches, not the library's size.
    public func list(_ query: MediaListQuery, in organization: Organization) throws -> (items: [Media], total: Int) {
        var conditions = "m.organization_id = ? AND m.deleting_at IS NULL"
        var parameters: [DatabaseValue] = [.text(organization.id)]
        if let search = query.search {
            conditions += " AND m.filename LIKE ? ESCAPE '\\\\'"
            parameters.append(.text(MediaListQuery.likePattern(containing: search)))
        }
        let typePattern = query.typePrefix.map { String(MediaListQuery.likePattern(containing: $0).dropFirst()) }
        if let typePattern {
            conditions += " AND m.mime_type LIKE ? ESCAPE '\\\\'"
            parameters.append(.text(typePattern))
        }
        var source = ListSource(text: "media m", parameters: [])
        var rows: [DatabaseRow]?
        if let search = query.search, case .grams(let grams) = FilenameSearchPlan(search: search) {
            // Each count also tells how many of the rows it read are of the filtered type
            // (all of them without a filter; '' is a row from before the type was indexed).
            var typed: [String: Int] = [:]
            let counts = try FilenameSearchPlan.counted(grams).map { gram in
                let row = try database.queryOne("""
                    SELECT COUNT(*) AS n, CAST(COALESCE(SUM(t.mime_type LIKE ? ESCAPE '\\\\' OR t.mime_type = ''), 0) AS SIGNED) AS typed
                    FROM (SELECT mime_type FROM media_filename_grams WHERE organization_id = ? AND gram = ? LIMIT ?) t
                    """, [.text(typePattern ?? "%"), .text(organization.id), .text(gram), .int(FilenameSearchPlan.countCap)])
                typed[gram] = row?.int("typed") ?? 0
                return (gram: gram, rows: row?.int("n") ?? 0)
            }
            let rarest = FilenameSearchPlan.rarest(counts)
            if FilenameSearchPlan.walksSortOrderFirst(rarestRows: rarest[0].rows, typedRows: typed[rarest[0].gram] ?? 0) {
                // A common text: the sort order meets a page of matches early. A page that is
                // not full may be the cap talking, so only a full one is kept.
                let walked = try page(query, source: source, conditions: conditions, parameters,
                                      rowsExamined: FilenameSearchPlan.walkRowsExamined)
                if walked.count == query.limit { rows = walked }
            }
            source = Self.candidates(rarest[0].rows == 0 ? [] : rarest.map(\.gram), organizationId: organization.id,
                                     typePattern: typePattern)
            // Few candidates, or a walk that found less than a page (fewer than 1 in
            // `walkRowsExamined / limit` rows match, or the page lies deep): every match is
            // listed in one answer.
            if rows == nil {
                return try listAllMatches(query, source: source, conditions: conditions, parameters, in: organization)
            }
        }
        let pageRows = try rows ?? page(query, source: source, conditions: conditions, parameters)
        let items = try withVariants(pageRows.map { Self.media($0, organization) })
        let total: Int
        if let known = MediaListQuery.totalFromPage(count: items.count, limit: query.limit, offset: query.offset) {
            total = known
        } else if query.search == nil && query.typePrefix == nil {
            total = try searchIndex.liveCount(organizationId: organization.id)
        } else {
            let text = "FROM \(source.text) WHERE \(conditions)", all = source.parameters + parameters
            total = try ListTotals.total(of: text, all) {
                try database.queryOne("SELECT COUNT(*) AS total \(text)", all)?.int("total") ?? 0
            }
        }
        return (items, total)
    }

    /// One statement finds every match in list order, which gives the total and the page's ids
    /// at once; the page is then read by id. Measured at 1,000,000 media: the intersection was
    /// the cost, and the page and the COUNT each paid it.
    private func listAllMatches(_ query: MediaListQuery, source: ListSource, conditions: String, _ parameters: [DatabaseValue],
                                in organization: Organization) throws -> (items: [Media], total: Int) {
        let ids = try database.query(
            "SELECT m.id FROM \(source.text) WHERE \(conditions) ORDER BY \(Self.orderBy(query))",
            source.parameters + parameters).compactMap { $0["id"] }
        let pageIds = Array(ids.dropFirst(query.offset).prefix(query.limit))
        let found = try find(ids: pageIds, in: organization)
        return (pageIds.compactMap { found[$0] }, ids.count)
    }

    /// Where a list reads its rows from (`m` is the media row).
    struct ListSource {
        var text: String
        var parameters: [DatabaseValue]
    }

    /// The media holding every one of `grams` (none: no ASCII media), and every non-ASCII
    /// filename's media, which only `LIKE` can judge (`FilenameGrams`). The two never share a
    /// media (a filename has grams or the marker), so UNION ALL: no temporary table to dedupe.
    /// Under a type filter only the rows of that type (or of no type yet: '') are read.
    static func candidates(_ grams: [String], organizationId: String, typePattern: String?) -> ListSource {
        var text = "(", parameters: [DatabaseValue] = []
        func typeFilter(_ alias: String) -> String {
            typePattern == nil ? "" : " AND (\(alias).mime_type LIKE ? ESCAPE '\\\\' OR \(alias).mime_type = '')"
        }
        let typeParameters: [DatabaseValue] = typePattern.map { [.text($0)] } ?? []
        if let first = grams.first {
            // Rarest first, and read in that order: left to itself MariaDB started from a
            // commoner gram and looked the rarest's rows up by key (5 times the lookups).
            text += "SELECT STRAIGHT_JOIN g0.media_id FROM media_filename_grams g0"
            for (index, gram) in grams.dropFirst().enumerated() {
                let g = "g\(index + 1)"
                text += " JOIN media_filename_grams \(g) ON \(g).organization_id = g0.organization_id AND \(g).gram = ? AND \(g).media_id = g0.media_id"
                parameters.append(.text(gram))
            }
            text += " WHERE g0.organization_id = ? AND g0.gram = ?\(typeFilter("g0")) UNION ALL "
            parameters += [.text(organizationId), .text(first)] + typeParameters
        }
        text += "SELECT n.media_id FROM media_filename_grams n WHERE n.organization_id = ? AND n.gram = ?\(typeFilter("n"))"
        text += ") c JOIN media m ON m.id = c.media_id"
        parameters += [.text(organizationId), .text(FilenameGrams.nonASCIIMarker)] + typeParameters
        return ListSource(text: text, parameters: parameters)
    }

    /// One page. Only fixed column names reach the SQL text; user input stays in parameters.
    /// The column is qualified: a bare `created_at` would name the DATE_FORMAT(...) alias of
    /// the select list, a string no index holds, so MariaDB sorted every row of the
    /// organization instead of reading media_org_created in order. `rowsExamined` stops the
    /// statement after that many rows (with what it found so far).
    private func page(_ query: MediaListQuery, source: ListSource, conditions: String, _ parameters: [DatabaseValue],
                      rowsExamined: Int? = nil) throws -> [DatabaseRow] {
        try database.query("""
            SELECT \(Self.columns("m")) FROM \(source.text) WHERE \(conditions)
            ORDER BY \(Self.orderBy(query)) LIMIT ? OFFSET ?\(rowsExamined.map { " ROWS EXAMINED \($0)" } ?? "")
            """, source.parameters + parameters + [.int(query.limit), .int(query.offset)])
    }

    static func orderBy(_ query: MediaListQuery) -> String {
        let column = switch query.sort {
        case .createdAt: "created_at"
        case .filename: "filename"
        case .size: "size"
        }
        let direction = query.order == .asc ? "ASC" : "DESC"
        return "m.\(column) \(direction), m.id \(direction)"
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
