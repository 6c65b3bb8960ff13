import Foundation
import Hashing
import MediaCore
import MediaInfra

/// The commands behind `mediactl`.
public struct AdminCommands {
    public struct UsageError: Error { public let message: String }

    public static let usage = """
        usage: mediactl <command>
          migrate                                   apply pending database migrations
          org create SLUG [--name NAME] [--if-not-exists]
          org list
          key create --org SLUG [--name NAME]       prints the new key once, on the last line
          key list --org SLUG
          key revoke KEY_ID
          reconcile [--org SLUG] [--fix] [--grace-minutes N] [--pending-hours N]
                                                    compare rows and bucket objects (exit 1: problems remain)
          routes                                    every route the service answers, METHOD PATTERN per line
        Settings come from the environment (see config.env.example).
        """

    private let config: AppConfig
    private let database: DatabaseConnection

    public init(config: AppConfig) {
        self.config = config
        DatabaseConnection.initializeLibrary()
        self.database = DatabaseConnection(settings: config.database)
    }

    /// Runs one command; returns the process's exit code.
    @discardableResult
    public func run(_ arguments: [String]) throws -> Int32 {
        var options = CommandOptions(arguments)
        var exitCode: Int32 = 0
        switch (options.next(), options.next()) {
        case ("migrate", nil):
            let applied = try Migrator(connection: database).migrate()
            print(applied.isEmpty ? "database is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))")
        case ("org", "create"):
            guard let slug = options.next() else { throw UsageError(message: "org create needs a SLUG") }
            try createOrganization(slug: slug, name: options.value("--name") ?? slug,
                                   ifNotExists: options.flag("--if-not-exists"))
        case ("org", "list"):
            for organization in try OrganizationStore(database: database).all() {
                print("\(organization.slug)\t\(organization.name)\t\(organization.id)")
            }
        case ("key", "create"):
            let organization = try requireOrganization(options.value("--org"))
            let key = try APIKeyStore(database: database).create(organization: organization, name: options.value("--name") ?? "default")
            FileHandle.standardError.write(Data("created key \(key.id) for \(organization.slug); it is shown only now:\n".utf8))
            print(key.text)
        case ("key", "list"):
            let organization = try requireOrganization(options.value("--org"))
            print("id\tname\tcreated\tlast used\trevoked")
            for key in try APIKeyStore(database: database).list(organization: organization) {
                print([key.id, key.name, key.createdAt, key.lastUsedAt ?? "-", key.revokedAt ?? "-"].joined(separator: "\t"))
            }
        case ("key", "revoke"):
            guard let keyId = options.next() else { throw UsageError(message: "key revoke needs a KEY_ID") }
            guard try APIKeyStore(database: database).revoke(keyId: keyId) else {
                throw UsageError(message: "no active key with id \(keyId)")
            }
            print("revoked key \(keyId)")
        case ("reconcile", nil):
            let grace = try options.value("--grace-minutes").map { try Self.number($0, "--grace-minutes") } ?? 60
            let pending = try options.value("--pending-hours").map { try Self.number($0, "--pending-hours") } ?? 24
            let reconcileOptions = Reconciler.Options(orgSlug: options.value("--org"), fix: options.flag("--fix"),
                                                      policy: Reconciliation.Policy(graceSeconds: Double(grace) * 60,
                                                                                    pendingSeconds: Double(pending) * 3600))
            if let extra = options.remaining.first { throw UsageError(message: "unexpected argument: \(extra)") }
            let resources = ServiceResources(config: config)
            defer { resources.close() }
            let summary = try Reconciler(resources: resources, options: reconcileOptions) { line in
                print(line)
                fflush(nil)
            }.run()
            exitCode = summary.exitCode
        case ("routes", nil):
            for line in Self.routeLines(config: config) { print(line) }
        case ("help", _), ("--help", _), ("-h", _):
            print(Self.usage)
        default:
            throw UsageError(message: "unknown command: \(arguments.joined(separator: " "))")
        }
        if let extra = options.remaining.first { throw UsageError(message: "unexpected argument: \(extra)") }
        return exitCode
    }

    private static func number(_ text: String, _ option: String) throws -> Int {
        guard let value = Int(text), value >= 0 else { throw UsageError(message: "\(option) needs a whole number, got \(text)") }
        return value
    }

    /// `METHOD PATTERN` for every route of `Routes.make`, in registration order. The HTTP tests
    /// compare these with `openapi.yaml`. Builds the router only: no connection is opened.
    public static func routeLines(config: AppConfig) -> [String] {
        Routes.make(config: config, health: HealthCheck(probes: [])).routes.map { "\($0.method) \($0.pattern)" }
    }

    private func createOrganization(slug: String, name: String, ifNotExists: Bool) throws {
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
        let organization = try store.create(id: id, slug: slug, name: name)
        print("created organization \(organization.slug) (\(organization.id))")
    }

    private func requireOrganization(_ slug: String?) throws -> Organization {
        guard let slug else { throw UsageError(message: "--org SLUG is required") }
        guard let organization = try OrganizationStore(database: database).find(slug: slug) else {
            throw UsageError(message: "no organization \(slug)")
        }
        return organization
    }
}

/// Positional words and `--name value` options, consumed as they are read.
struct CommandOptions {
    private(set) var remaining: [String]

    init(_ arguments: [String]) { remaining = arguments }

    mutating func next() -> String? {
        guard let first = remaining.first, !first.hasPrefix("--") else { return nil }
        return remaining.removeFirst()
    }

    mutating func value(_ name: String) -> String? {
        guard let index = remaining.firstIndex(of: name), index + 1 < remaining.count else { return nil }
        let value = remaining[index + 1]
        remaining.removeSubrange(index...(index + 1))
        return value
    }

    mutating func flag(_ name: String) -> Bool {
        guard let index = remaining.firstIndex(of: name) else { return false }
        remaining.remove(at: index)
        return true
    }
}
