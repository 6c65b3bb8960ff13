import Foundation
import Hashing
import MediaCore
import MediaInfra

/// What `mediactl`'s commands do, once their arguments are parsed (the parsing, help and exit
/// codes live in the `mediactl` target). Output goes to stdout in the formats scripts and
/// tests read; a `UsageError` is the caller's mistake (exit 64).
public struct AdminCommands {
    public struct UsageError: Error, CustomStringConvertible {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    private let config: AppConfig
    private let database: DatabaseConnection

    public init(config: AppConfig) {
        self.config = config
        DatabaseConnection.initializeLibrary()
        self.database = DatabaseConnection(settings: config.database)
    }

    public func migrate() throws {
        let applied = try Migrator(connection: database).migrate()
        print(applied.isEmpty ? "database is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))")
    }

    public func createOrganization(slug: String, name: String?, ifNotExists: Bool) throws {
        guard Organization.isValidSlug(slug) else {
            throw UsageError(message: "slug must be 2-64 lowercase letters, digits and single hyphens: \(slug)")
        }
        let store = OrganizationStore(database: database)
        if let existing = try store.find(slug: slug) {
            guard ifNotExists else { throw UsageError(message: "organization \(slug) exists already") }
            print("organization \(existing.slug) exists already (\(existing.id))")
            return
        }
        let id = Identifier.uuidV7(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000), randomBytes: Bytes.random(count: 10))
        let organization = try store.create(id: id, slug: slug, name: name ?? slug)
        print("created organization \(organization.slug) (\(organization.id))")
    }

    public func listOrganizations() throws {
        for organization in try OrganizationStore(database: database).all() {
            print("\(organization.slug)\t\(organization.name)\t\(organization.id)")
        }
    }

    /// Prints the new key once, on the last line of stdout (scripts take that line).
    public func createKey(organization slug: String, name: String) throws {
        let organization = try requireOrganization(slug)
        let key = try APIKeyStore(database: database).create(organization: organization, name: name)
        FileHandle.standardError.write(Data("created key \(key.id) for \(organization.slug); it is shown only now:\n".utf8))
        print(key.text)
    }

    public func listKeys(organization slug: String) throws {
        let organization = try requireOrganization(slug)
        print("id\tname\tcreated\tlast used\trevoked")
        for key in try APIKeyStore(database: database).list(organization: organization) {
            print([key.id, key.name, key.createdAt, key.lastUsedAt ?? "-", key.revokedAt ?? "-"].joined(separator: "\t"))
        }
    }

    public func revokeKey(id keyId: String) throws {
        guard try APIKeyStore(database: database).revoke(keyId: keyId) else {
            throw UsageError(message: "no active key with id \(keyId)")
        }
        print("revoked key \(keyId)")
    }

    /// Prints the report line by line as it goes; returns the exit code (1 while problems remain).
    public func reconcile(_ options: Reconciler.Options) throws -> Int32 {
        let resources = ServiceResources(config: config)
        defer { resources.close() }
        let summary = try Reconciler(resources: resources, options: options) { line in
            print(line)
            fflush(nil)
        }.run()
        return summary.exitCode
    }

    /// `METHOD PATTERN` for every route of `Routes.make`, in registration order. The HTTP tests
    /// compare these with `openapi.yaml`. Builds the router only: no connection is opened.
    public static func routeLines(config: AppConfig) -> [String] {
        Routes.make(config: config, health: HealthCheck(probes: [])).routes.map { "\($0.method) \($0.pattern)" }
    }

    private func requireOrganization(_ slug: String) throws -> Organization {
        guard let organization = try OrganizationStore(database: database).find(slug: slug) else {
            throw UsageError(message: "no organization \(slug)")
        }
        return organization
    }
}
