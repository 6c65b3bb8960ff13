import Foundation
import MediaApp
import MediaCore
import MediaHTTP
import MediaInfra
import XCTest

/// Against the live MariaDB of `scripts/test`: an API worker trusts a key it has checked for
/// AUTH_CACHE_SECONDS (no lookup per request), and with 0 every request is checked.
final class AuthenticatorLiveTests: XCTestCase {
    private func request(_ key: APIKeyFormat) -> Request {
        Request(method: "GET", path: "/api/v1/media/list", headers: HTTPHeaders([("authorization", "Bearer \(key.text)")]))
    }

    func testACheckedKeyIsTrustedForTheCacheTimeAndRefusedWithoutACache() throws {
        let database = DatabaseConnection(settings: try LiveDatabase.settings())
        defer { database.close() }
        let organization = try LiveDatabase.newOrganization(database, prefix: "auth")
        let keys = APIKeyStore(database: database)
        let key = try keys.create(organization: organization, name: "cache")
        let cached = Authenticator(cacheSeconds: 60)
        let uncached = Authenticator(cacheSeconds: 0)
        XCTAssertEqual(try cached.authenticate(request(key), database: database).id, organization.id)
        XCTAssertEqual(try uncached.authenticate(request(key), database: database).id, organization.id)

        XCTAssertTrue(try keys.revoke(keyId: key.id))
        XCTAssertEqual(try cached.authenticate(request(key), database: database).id, organization.id,
                       "the verdict is remembered: no lookup, so the revocation is not seen yet")
        XCTAssertThrowsError(try uncached.authenticate(request(key), database: database)) { error in
            XCTAssertEqual((error as? ServiceError)?.code, .unauthorized)
        }
        XCTAssertThrowsError(try Authenticator(cacheSeconds: 60).authenticate(request(key), database: database),
                             "a process that never saw the key looks it up and refuses it")
    }
}
