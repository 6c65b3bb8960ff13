import MediaCore

public struct OrganizationStore {
    private let database: DatabaseConnection

    public init(database: DatabaseConnection) { self.database = database }

    public func create(id: String, slug: String, name: String) throws -> Organization {
        try database.execute("INSERT INTO organizations (id, slug, name, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))",
                             [.text(id), .text(slug), .text(name)])
        return Organization(id: id, slug: slug, name: name)
    }

    public func find(slug: String) throws -> Organization? {
        try database.queryOne("SELECT id, slug, name FROM organizations WHERE slug = ?", [.text(slug)]).map(Self.organization)
    }

    public func all() throws -> [Organization] {
        try database.query("SELECT id, slug, name FROM organizations ORDER BY slug").map(Self.organization)
    }

    static func organization(_ row: DatabaseRow) -> Organization {
        Organization(id: row["id"] ?? "", slug: row["slug"] ?? "", name: row["name"] ?? "")
    }
}
