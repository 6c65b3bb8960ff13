import MediaCore

/// The filename search index (`media_filename_grams`) and the live media counts
/// (`organization_media_counts`). The write functions run inside the transaction that writes
/// the media row, so the index and the counts change with it or not at all. Each gram row
/// carries its media's type, so a search under a type filter reads only that type's rows of a
/// gram (a row written before migration 5 has '' there, which every filter lets through).
public struct MediaSearchIndex {
    let database: DatabaseConnection

    public init(database: DatabaseConnection) { self.database = database }

    static let countSlots = 16
    /// Gram rows per INSERT statement (four parameters each): a chunk is padded up to one of
    /// these sizes by repeating its last row (`IGNORE` drops the repeats), so that a few
    /// prepared statements serve every filename.
    static let insertSizes = [8, 32, 128, 512]

    // MARK: - Write path

    /// The index rows of a media (its filename's grams, each with the media's type).
    struct Entry {
        var mediaId: String
        var organizationId: String
        var filename: String
        var mimeType: String

        var grams: [String] { FilenameGrams.rows(forFilename: filename) }
    }

    /// Indexes a media row's filename (after its insert).
    func index(_ entry: Entry) throws {
        try insertRows([entry])
    }

    /// The media's type changed (a completed upload, a crop to another format): its rows follow.
    func retype(mediaId: String, mimeType: String) throws {
        try database.execute("UPDATE media_filename_grams SET mime_type = ? WHERE media_id = ? AND mime_type <> ?",
                             [.text(mimeType), .text(mediaId), .text(mimeType)])
    }

    func unindex(mediaId: String) throws {
        try database.execute("DELETE FROM media_filename_grams WHERE media_id = ?", [.text(mediaId)])
    }

    /// Adds `delta` to the organization's live media (one slot, picked at random).
    func adjustCount(organizationId: String, by delta: Int) throws {
        try database.execute("""
            INSERT INTO organization_media_counts (organization_id, slot, live) VALUES (?, ?, ?)
            ON DUPLICATE KEY UPDATE live = live + VALUES(live)
            """, [.text(organizationId), .int(Int.random(in: 0..<Self.countSlots)), .int(delta)])
    }

    /// `IGNORE`: the backfill may meet rows a live insert indexed meanwhile.
    private func insertRows(_ entries: [Entry]) throws {
        let rows = entries.flatMap { entry in entry.grams.map { (entry, $0) } }
        let largest = Self.insertSizes[Self.insertSizes.count - 1]
        var start = 0
        while start < rows.count {
            var chunk = Array(rows[start..<min(start + largest, rows.count)])
            start += largest
            let size = Self.insertSizes.first { $0 >= chunk.count } ?? largest
            chunk += Array(repeating: chunk[chunk.count - 1], count: size - chunk.count)
            let values = Array(repeating: "(?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            try database.execute("""
                INSERT IGNORE INTO media_filename_grams (organization_id, gram, media_id, mime_type) VALUES \(values)
                """, chunk.flatMap { entry, gram in
                    [DatabaseValue.text(entry.organizationId), .text(gram), .text(entry.mediaId), .text(entry.mimeType)]
                })
        }
    }

    // MARK: - Reads

    /// The organization's live media, from the counters.
    public func liveCount(organizationId: String) throws -> Int {
        try database.queryOne("SELECT CAST(COALESCE(SUM(live), 0) AS SIGNED) AS live FROM organization_media_counts WHERE organization_id = ?",
                              [.text(organizationId)])?.int("live") ?? 0
    }

    // MARK: - Repair

    /// Live media among `after`'s successors (one page, in id order) whose index rows are not
    /// what their filename and type give, leaving alone those younger than `graceSeconds`;
    /// `next` is where the following page starts (nil at the end).
    public func unindexed(after: String, organizationId: String?, limit: Int, graceSeconds: Double)
        throws -> (media: [(id: String, organizationId: String, filename: String)], next: String?) {
        let rows = try database.query("""
            SELECT id, organization_id, filename, mime_type, TIMESTAMPDIFF(SECOND, created_at, UTC_TIMESTAMP(3)) AS age
            FROM media WHERE id > ? AND deleting_at IS NULL
            \(organizationId == nil ? "" : "AND organization_id = ?") ORDER BY id LIMIT ?
            """, [.text(after)] + (organizationId.map { [.text($0)] } ?? []) + [.int(limit)])
        guard let last = rows.last?["id"] else { return ([], nil) }
        let next = rows.count == limit ? last : nil
        let judged = rows.filter { Double($0.int("age") ?? 0) >= graceSeconds }
        guard !judged.isEmpty else { return ([], next) }
        let ids = judged.compactMap { $0["id"] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        var stored: [String: [String]] = [:]
        for row in try database.query("SELECT media_id, gram, mime_type FROM media_filename_grams WHERE media_id IN (\(placeholders))",
                                      ids.map { .text($0) }) {
            stored[row["media_id"] ?? "", default: []].append((row["gram"] ?? "") + "\u{0}" + (row["mime_type"] ?? ""))
        }
        let wrong = judged.compactMap { row -> (id: String, organizationId: String, filename: String)? in
            let entry = Entry(row)
            guard (stored[entry.mediaId] ?? []).sorted() != entry.grams.map({ $0 + "\u{0}" + entry.mimeType }).sorted() else {
                return nil
            }
            return (entry.mediaId, entry.organizationId, entry.filename)
        }
        return (wrong, next)
    }

    /// Rewrites the index rows of those of `mediaIds` that are still live, in one transaction.
    public func reindex(mediaIds: [String]) throws {
        guard !mediaIds.isEmpty else { return }
        let placeholders = Array(repeating: "?", count: mediaIds.count).joined(separator: ",")
        try database.transaction {
            let live = try database.query("""
                SELECT id, organization_id, filename, mime_type FROM media WHERE id IN (\(placeholders)) AND deleting_at IS NULL FOR UPDATE
                """, mediaIds.map { .text($0) }).map(Entry.init)
            try database.execute("DELETE FROM media_filename_grams WHERE media_id IN (\(placeholders))", mediaIds.map { .text($0) })
            try insertRows(live)
        }
    }

    /// The organizations whose counters do not sum to their live media, with both figures.
    /// One COUNT per organization (an index read of its rows). An organization whose newest
    /// media or delete is younger than `graceSeconds` is left alone, like every young thing
    /// the consistency pass meets (the ends of two indexes: no row is read for it).
    public func miscounted(organizationId: String?, graceSeconds: Double)
        throws -> [(organizationId: String, slug: String, counted: Int, actual: Int)] {
        let organizations = try database.query(
            "SELECT id, slug FROM organizations \(organizationId == nil ? "" : "WHERE id = ?") ORDER BY id",
            organizationId.map { [.text($0)] } ?? [])
        return try organizations.compactMap { row in
            let id = row["id"] ?? ""
            let quiet = try database.queryOne("""
                SELECT TIMESTAMPDIFF(SECOND, GREATEST(
                    COALESCE((SELECT MAX(created_at) FROM media WHERE organization_id = ? AND deleting_at IS NULL), '1970-01-01'),
                    COALESCE((SELECT MAX(deleting_at) FROM media WHERE organization_id = ?), '1970-01-01')), UTC_TIMESTAMP(3)) AS age
                """, [.text(id), .text(id)])?.int("age") ?? 0
            guard Double(quiet) >= graceSeconds else { return nil }
            let actual = try database.queryOne("SELECT COUNT(*) AS n FROM media WHERE organization_id = ? AND deleting_at IS NULL",
                                               [.text(id)])?.int("n") ?? 0
            let counted = try liveCount(organizationId: id)
            return counted == actual ? nil : (id, row["slug"] ?? "", counted, actual)
        }
    }

    /// Sets the organization's counters to its live media. The counter rows are locked first,
    /// so an insert or delete racing with the count waits and adds its change on top.
    public func recount(organizationId: String) throws {
        try database.transaction {
            _ = try database.query("SELECT slot FROM organization_media_counts WHERE organization_id = ? FOR UPDATE",
                                   [.text(organizationId)])
            let actual = try database.queryOne("SELECT COUNT(*) AS n FROM media WHERE organization_id = ? AND deleting_at IS NULL",
                                               [.text(organizationId)])?.int("n") ?? 0
            try database.execute("DELETE FROM organization_media_counts WHERE organization_id = ?", [.text(organizationId)])
            try database.execute("INSERT INTO organization_media_counts (organization_id, slot, live) VALUES (?, 0, ?)",
                                 [.text(organizationId), .int(actual)])
        }
    }

    // MARK: - Backfill (migration 5)

    static let backfillBatch = 1000

    /// Indexes every live media whose rows are missing or not what its filename and type give
    /// (rows written before the type was in them), a batch of ids per transaction (bounded
    /// memory; a run cut short is resumed by running it again: indexed media are skipped),
    /// then counts every organization's media.
    public func backfill(progress: (String) -> Void = { _ in }) throws {
        var after: String? = ""
        var indexed = 0
        while let start = after {
            let page = try unindexed(after: start, organizationId: nil, limit: Self.backfillBatch, graceSeconds: 0)
            try reindex(mediaIds: page.media.map(\.id))
            indexed += page.media.count
            after = page.next
        }
        progress("indexed \(indexed) filenames")
        for row in try database.query("SELECT id FROM organizations") {
            try recount(organizationId: row["id"] ?? "")
        }
    }
}

extension MediaSearchIndex.Entry {
    /// From a media row's `id, organization_id, filename, mime_type`.
    init(_ row: DatabaseRow) {
        self.init(mediaId: row["id"] ?? "", organizationId: row["organization_id"] ?? "",
                  filename: row["filename"] ?? "", mimeType: row["mime_type"] ?? "")
    }
}
