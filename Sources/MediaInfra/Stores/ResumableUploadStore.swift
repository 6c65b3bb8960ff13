import Foundation
import MediaCore

/// Resumable uploads' rows (`resumable_uploads`, `resumable_upload_parts`), scoped to one
/// organization wherever a client names one. Times are the database's: the lease and the
/// expiry are compared with UTC_TIMESTAMP, so hosts with skewed clocks agree.
public struct ResumableUploadStore {
    let database: DatabaseConnection

    public init(database: DatabaseConnection) { self.database = database }

    public func insert(_ upload: ResumableUpload) throws {
        let seconds = max(1, Int(upload.expiresAt.timeIntervalSinceNow.rounded(.up)))
        try database.execute("""
            INSERT INTO resumable_uploads (media_id, organization_id, kind, multipart_id, length, upload_offset, part_size, metadata,
                                           generate_variants, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL ? SECOND)
            """, [.text(upload.mediaId), .text(upload.organizationId), .text(upload.kind.rawValue), .text(upload.multipartId),
                  upload.length.map { .int($0) } ?? .null, .int(upload.offset), .int(upload.partSize), .text(upload.metadata),
                  .bool(upload.generateVariants), .int(seconds)])
    }

    static let columns = """
        u.media_id, u.organization_id, o.slug, u.kind, u.multipart_id, u.length, u.upload_offset, u.part_size, u.metadata,
        u.generate_variants, TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), u.expires_at) AS expires_in
        """

    public func find(mediaId: String, organizationId: String) throws -> ResumableUpload? {
        try database.query("""
            SELECT \(Self.columns) FROM resumable_uploads u JOIN organizations o ON o.id = u.organization_id
            WHERE u.media_id = ? AND u.organization_id = ?
            """, [.text(mediaId), .text(organizationId)]).first.flatMap(Self.upload)
    }

    /// Uploads expired more than `graceSeconds` ago, oldest first (the repair pass removes them;
    /// within the grace a client is still told 410).
    public func expired(graceSeconds: Int, limit: Int) throws -> [ResumableUpload] {
        try database.query("""
            SELECT \(Self.columns) FROM resumable_uploads u JOIN organizations o ON o.id = u.organization_id
            WHERE u.expires_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND ORDER BY u.expires_at LIMIT ?
            """, [.int(graceSeconds), .int(limit)]).compactMap(Self.upload)
    }

    /// Which of `mediaIds` have an upload row (the repair pass keeps their objects).
    public func existing(mediaIds: [String]) throws -> Set<String> {
        guard !mediaIds.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: mediaIds.count).joined(separator: ", ")
        let rows = try database.query("SELECT media_id FROM resumable_uploads WHERE media_id IN (\(marks))", mediaIds.map { .text($0) })
        return Set(rows.compactMap { $0["media_id"] })
    }

    /// Takes the upload's lease for `owner`, or renews it: true unless another owner holds
    /// one that has not lapsed.
    public func lock(mediaId: String, owner: String, seconds: Int) throws -> Bool {
        let changed = try database.execute("""
            UPDATE resumable_uploads SET lock_owner = ?, locked_until = UTC_TIMESTAMP(3) + INTERVAL ? SECOND
            WHERE media_id = ? AND (lock_owner IS NULL OR lock_owner = ? OR locked_until < UTC_TIMESTAMP(3))
            """, [.text(owner), .int(seconds), .text(mediaId), .text(owner)])
        if changed == 1 { return true }
        // A renewal within the same millisecond changes nothing, and MariaDB counts changed rows.
        return try database.queryOne("SELECT 1 AS held FROM resumable_uploads WHERE media_id = ? AND lock_owner = ?",
                                     [.text(mediaId), .text(owner)]) != nil
    }

    public func unlock(mediaId: String, owner: String) throws {
        try database.execute("UPDATE resumable_uploads SET lock_owner = NULL, locked_until = NULL WHERE media_id = ? AND lock_owner = ?",
                             [.text(mediaId), .text(owner)])
    }

    /// Records `parts` and moves the offset from `from` to `to` (and sets the length), only
    /// while `owner` still holds the lease and the offset is still `from`; false otherwise.
    public func advance(mediaId: String, owner: String, from: Int, to: Int, length: Int?, parts: [ResumableUpload.Part]) throws -> Bool {
        try database.transaction {
            let changed = try database.execute("""
                UPDATE resumable_uploads SET upload_offset = ?, length = ?
                WHERE media_id = ? AND lock_owner = ? AND upload_offset = ?
                """, [.int(to), length.map { .int($0) } ?? .null, .text(mediaId), .text(owner), .int(from)])
            guard changed == 1 else { return false }
            for part in parts {
                try database.execute("""
                    INSERT INTO resumable_upload_parts (media_id, part_number, etag, size) VALUES (?, ?, ?, ?)
                    ON DUPLICATE KEY UPDATE etag = VALUES(etag), size = VALUES(size)
                    """, [.text(mediaId), .int(part.number), .text(part.etag), .int(part.size)])
            }
            return true
        }
    }

    /// The parts recorded, in order, up to `through`.
    public func parts(mediaId: String, through last: Int) throws -> [ResumableUpload.Part] {
        try database.query("""
            SELECT part_number, etag, size FROM resumable_upload_parts WHERE media_id = ? AND part_number <= ? ORDER BY part_number
            """, [.text(mediaId), .int(last)]).compactMap { row in
            guard let number = row.int("part_number"), let etag = row["etag"], let size = row.int("size") else { return nil }
            return ResumableUpload.Part(number: number, etag: etag, size: size)
        }
    }

    public func delete(mediaId: String) throws {
        try database.transaction {
            try database.execute("DELETE FROM resumable_upload_parts WHERE media_id = ?", [.text(mediaId)])
            try database.execute("DELETE FROM resumable_uploads WHERE media_id = ?", [.text(mediaId)])
        }
    }

    private static func upload(_ row: DatabaseRow) -> ResumableUpload? {
        guard let mediaId = row["media_id"], let organizationId = row["organization_id"], let slug = row["slug"],
              let kind = row["kind"].flatMap(ResumableUpload.Kind.init), let multipartId = row["multipart_id"],
              let offset = row.int("upload_offset"), let partSize = row.int("part_size"),
              let expiresIn = row.int("expires_in") else { return nil }
        return ResumableUpload(mediaId: mediaId, organizationId: organizationId, orgSlug: slug, kind: kind, multipartId: multipartId,
                               length: row.int("length"), offset: offset, partSize: partSize, metadata: row["metadata"] ?? "",
                               generateVariants: row.bool("generate_variants"),
                               expiresAt: Date().addingTimeInterval(Double(expiresIn) / 1e6))
    }
}
