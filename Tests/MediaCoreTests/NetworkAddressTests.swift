import MediaCore
import XCTest

/// DB_HOSTS and REDIS_SENTINELS: parsing the lists, and the order nodes are tried in.
final class NetworkAddressTests: XCTestCase {
    func testEntriesWithAndWithoutPorts() throws {
        let list = try NetworkAddress.parseList(" db1:3307, db2 ,,10.0.0.3:3306,[fd00::4]:3308,[fd00::5], db1:3307", defaultPort: 3306)
        XCTAssertEqual(list, [
            NetworkAddress(host: "db1", port: 3307), NetworkAddress(host: "db2", port: 3306),
            NetworkAddress(host: "10.0.0.3", port: 3306), NetworkAddress(host: "fd00::4", port: 3308),
            NetworkAddress(host: "fd00::5", port: 3306),
        ], "defaults applied, blanks skipped, the repeated db1:3307 kept once")
        XCTAssertEqual(list[3].description, "[fd00::4]:3308")
        XCTAssertEqual(list[0].description, "db1:3307")
    }

    func testMalformedEntriesAreNamed() {
        for bad in ["db1:", "db1:0", "db1:65536", "db1:x", ":3306", "a:b:c", "[fd00::1", "[fd00::1]x", "user@db1", "db 1", "[]:3306"] {
            XCTAssertThrowsError(try NetworkAddress.parseList("ok:1,\(bad)", defaultPort: 3306), bad) { error in
                XCTAssertEqual((error as? NetworkAddress.ParseError)?.entry, bad)
            }
        }
        XCTAssertEqual(try NetworkAddress.parseList(" , ", defaultPort: 1), [])
    }

    func testRotationStartsAtTheNodeThatLastWorked() {
        var rotation = EndpointRotation(count: 3)
        XCTAssertEqual(rotation.attemptOrder, [0, 1, 2])
        rotation.connected(to: 2)
        XCTAssertEqual(rotation.attemptOrder, [2, 0, 1], "the one that worked first, then the others in list order")
    }

    func testALostNodeMovesTheNextAttemptOn() {
        var rotation = EndpointRotation(count: 3)
        rotation.connected(to: 1)
        rotation.failed(1)
        XCTAssertEqual(rotation.attemptOrder, [2, 0, 1], "the failed node is tried last")
        rotation.failed(0)
        XCTAssertEqual(rotation.current, 2, "a failure of a node not in use changes nothing")
        rotation.failed(2)
        XCTAssertEqual(rotation.attemptOrder, [0, 1, 2], "wraps around")
    }

    func testASingleNodeIsAlwaysTheOne() {
        var rotation = EndpointRotation(count: 1)
        rotation.failed(0)
        XCTAssertEqual(rotation.attemptOrder, [0])
    }
}
