import MediaCore

/// Reads for `mediactl reconcile`: every organization's rows, deleting ones included, with
/// their ages by the database's clock. Rows come by primary key, in pages.
extension MediaStore {
    private static let reconcileColumns = """
        m.id, m.organization_id, o.slug AS org_slug, m.bucket, m.object_key, m.version, m.status, m.mime_type,
        TIMESTAMPDIFF(SECOND, m.created_at, UTC_TIMESTAMP(3)) AS created_age,
        TIMESTAMPDIFF(SECOND, m.updated_at, UTC_TIMESTAMP(3)) AS updated_age,
        TIMESTAMPDIFF(SECOND, m.deleting_at, UTC_TIMESTAMP(3)) AS deleting_age
        FROM media m JOIN organizations o ON o.id = m.organization_id
        """
    /// Ids per lookup; a short list is padded by repeating its last id, so that one prepared
    /// statement serves every lookup.
    static let reconcileLookupSize = 100

    /// The rows among `ids` (whatever their organization or state), by id.
    public func reconcileRows(ids: [String]) throws -> [String: Reconciliation.Row] {
        var rows: [String: Reconciliation.Row] = [:]
        var start = 0
        while start < ids.count {
            var chunk = Array(ids[start..<min(start + Self.reconcileLookupSize, ids.count)])
            start += Self.reconcileLookupSize
            chunk += Array(repeating: chunk[chunk.count - 1], count: Self.reconcileLookupSize - chunk.count)
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let found = try database.query("SELECT \(Self.reconcileColumns) WHERE m.id IN (\(placeholders))", chunk.map { .text($0) })
            for row in try withReconcileVariants(found.map(Self.reconcileRow)) { rows[row.id] = row }
        }
        return rows
    }

    /// Up to `limit` rows with ids after `afterId`, in id order; one organization's if given.
    public func reconcileRows(after afterId: String, organizationId: String?, limit: Int) throws -> [Reconciliation.Row] {
        let rows: [DatabaseRow]
        if let organizationId {
            rows = try database.query("SELECT \(Self.reconcileColumns) WHERE m.id > ? AND m.organization_id = ? ORDER BY m.id LIMIT ?",
                                      [.text(afterId), .text(organizationId), .int(limit)])
        } else {
            rows = try database.query("SELECT \(Self.reconcileColumns) WHERE m.id > ? ORDER BY m.id LIMIT ?",
                                      [.text(afterId), .int(limit)])
        }
        return try withReconcileVariants(rows.map(Self.reconcileRow))
    }

    /// Drops variant rows whose objects are gone (the media then lists only what exists).
    public func deleteVariants(mediaId: String, organizationId: String, names: [String]) throws {
        try changing(mediaId, organizationId: organizationId) { try database.transaction {
            for name in names {
                try database.execute("DELETE FROM media_variants WHERE media_id = ? AND name = ?", [.text(mediaId), .text(name)])
            }
            try database.execute("UPDATE media SET updated_at = UTC_TIMESTAMP(3) WHERE id = ?", [.text(mediaId)])
        } }
    }

    private func withReconcileVariants(_ rows: [Reconciliation.Row]) throws -> [Reconciliation.Row] {
        guard !rows.isEmpty else { return rows }
        var byId: [String: [String: String]] = [:]
        var start = 0
        while start < rows.count {
            var chunk = rows[start..<min(start + Self.reconcileLookupSize, rows.count)].map(\.id)
            start += Self.reconcileLookupSize
            chunk += Array(repeating: chunk[chunk.count - 1], count: Self.reconcileLookupSize - chunk.count)
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            for variant in try database.query("SELECT media_id, name, object_key FROM media_variants WHERE media_id IN (\(placeholders))",
                                              chunk.map { .text($0) }) {
                byId[variant["media_id"] ?? "", default: [:]][variant["name"] ?? ""] = variant["object_key"] ?? ""
            }
        }
        return rows.map { row in
            var row = row
            row.variants = byId[row.id] ?? [:]
            return row
        }
    }

    static func reconcileRow(_ row: DatabaseRow) -> Reconciliation.Row {
        Reconciliation.Row(id: row["id"] ?? "", organizationId: row["organization_id"] ?? "", orgSlug: row["org_slug"] ?? "",
                           bucket: row["bucket"] ?? "", objectKey: row["object_key"] ?? "", version: row.int("version") ?? 1,
                           status: MediaStatus(rawValue: row["status"] ?? "") ?? .failed, mimeType: row["mime_type"] ?? "",
                           createdAgeSeconds: Double(row.int("created_age") ?? 0),
                           updatedAgeSeconds: Double(row.int("updated_age") ?? 0),
                           deletingAgeSeconds: row.int("deleting_age").map(Double.init))
    }
}
