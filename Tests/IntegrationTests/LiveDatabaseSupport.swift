import Foundation
import MediaApp
import MediaCore
import MediaInfra
import XCTest

/// The MariaDB the live tests use, from the environment `scripts/test` exports.
enum LiveDatabase {
    struct MissingEnvironment: Error, CustomStringConvertible {
        var description: String { "live database tests need the stack's environment: run ./scripts/test (never skipped)" }
    }

    /// The stack's settings; fails the test (never skips it) when the environment is missing.
    static func settings() throws -> DatabaseSettings {
        let environment = ProcessInfo.processInfo.environment
        guard environment["DB_PORT"] != nil, environment["S3_BUCKET"] != nil else {
            XCTFail(MissingEnvironment().description)
            throw MissingEnvironment()
        }
        DatabaseConnection.initializeLibrary()
        return try AppConfig.load(from: environment).database
    }

    /// A new organization of its own, so a test never sees another test's rows.
    static func newOrganization(_ database: DatabaseConnection, prefix: String) throws -> Organization {
        let slug = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        return try OrganizationStore(database: database).create(id: UUID().uuidString.lowercased(), slug: slug, name: slug)
    }
}
