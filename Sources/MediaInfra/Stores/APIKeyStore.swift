import Foundation
import Hashing
import MediaCore

public struct APIKeySummary: Sendable {
    public let id: String
    public let name: String
    public let organizationSlug: String
    public let createdAt: String
    public let lastUsedAt: String?
    public let revokedAt: String?
}

/// API keys: stored as the SHA-256 of their secret, never in clear.
public struct APIKeyStore {
    private let database: DatabaseConnection

    public init(database: DatabaseConnection) { self.database = database }

    /// Creates a key and returns its full text: the only time it is ever seen.
    public func create(organization: Organization, name: String) throws -> APIKeyFormat {
        let key = APIKeyFormat.make(idBytes: Bytes.random(count: 8), secretBytes: Bytes.random(count: 32))
        try database.execute("""
            INSERT INTO api_keys (id, organization_id, name, secret_sha256, created_at)
            VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))
            """, [.text(key.id), .text(organization.id), .text(name), .text(SHA256.hash(key.secret).hexString)])
        return key
    }

    /// The organization of a valid, unrevoked key; nil otherwise.
    public func authenticate(_ presented: String) throws -> (organization: Organization, keyId: String)? {
        guard let key = APIKeyFormat.parse(presented) else { return nil }
        guard let row = try database.queryOne("""
            SELECT k.secret_sha256, k.revoked_at, o.id, o.slug, o.name
            FROM api_keys k JOIN organizations o ON o.id = k.organization_id WHERE k.id = ?
            """, [.text(key.id)]) else { return nil }
        let expected = Array((row["secret_sha256"] ?? "").utf8)
        let presentedHash = Array(SHA256.hash(key.secret).hexString.utf8)
        guard Bytes.constantTimeEqual(expected, presentedHash), row["revoked_at"] == nil else { return nil }
        return (OrganizationStore.organization(row), key.id)
    }

    /// Records use; the caller throttles how often (a write per request would be wasteful).
    public func touch(keyId: String) throws {
        try database.execute("UPDATE api_keys SET last_used_at = UTC_TIMESTAMP(3) WHERE id = ?", [.text(keyId)])
    }

    public func list(organization: Organization) throws -> [APIKeySummary] {
        try database.query("""
            SELECT id, name, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') AS created_at,
                   DATE_FORMAT(last_used_at, '%Y-%m-%dT%H:%i:%sZ') AS last_used_at,
                   DATE_FORMAT(revoked_at, '%Y-%m-%dT%H:%i:%sZ') AS revoked_at
            FROM api_keys WHERE organization_id = ? ORDER BY api_keys.created_at, api_keys.id
            """, [.text(organization.id)]).map { row in
            APIKeySummary(id: row["id"] ?? "", name: row["name"] ?? "", organizationSlug: organization.slug,
                          createdAt: row["created_at"] ?? "", lastUsedAt: row["last_used_at"], revokedAt: row["revoked_at"])
        }
    }

    /// True if a key with that id existed and was not yet revoked.
    public func revoke(keyId: String) throws -> Bool {
        try database.execute("UPDATE api_keys SET revoked_at = UTC_TIMESTAMP(3) WHERE id = ? AND revoked_at IS NULL",
                             [.text(keyId)]) == 1
    }
}
