import ArgumentParser
import XCTest
@testable import mediactl

/// mediactl's arguments: parsed without any configuration, usage errors exit 64, and an
/// option that needs a value never takes the next option as one.
final class CommandLineTests: XCTestCase {
    private func exitCode(_ arguments: [String]) -> Int32 {
        do {
            _ = try MediaCtl.parseAsRoot(arguments)
            return 0
        } catch {
            return MediaCtl.exitCode(for: error).rawValue
        }
    }

    private func message(_ arguments: [String]) -> String {
        do {
            _ = try MediaCtl.parseAsRoot(arguments)
            return ""
        } catch {
            return MediaCtl.message(for: error)
        }
    }

    func testHelpAtEveryLevelNeedsNoConfiguration() {
        for arguments in [["--help"], ["-h"], ["help"], ["reconcile", "--help"], ["org", "--help"], ["org", "create", "--help"],
                          ["key", "create", "--help"], ["key", "revoke", "-h"], ["help", "reconcile"], ["migrate", "--help"]] {
            XCTAssertEqual(exitCode(arguments), 0, "\(arguments)")
        }
        let help = MediaCtl.helpMessage(for: Reconcile.self)
        for option in ["--org", "--fix", "--grace-minutes", "--pending-hours"] { XCTAssertTrue(help.contains(option), option) }
    }

    func testAnOptionNeverTakesTheNextOptionAsItsValue() {
        XCTAssertEqual(exitCode(["reconcile", "--org", "--fix"]), 64)
        XCTAssertTrue(message(["reconcile", "--org", "--fix"]).contains("--org"))
        XCTAssertEqual(exitCode(["key", "create", "--org", "--name", "x"]), 64)
    }

    func testAGroupWithoutItsCommandIsAUsageError() throws {
        for arguments in [[], ["org"], ["key"]] {
            var command = try MediaCtl.parseAsRoot(arguments)
            XCTAssertThrowsError(try command.run(), "\(arguments)") { error in
                XCTAssertEqual(MediaCtl.exitCode(for: error), .validationFailure)
            }
        }
    }

    func testReconcileOptions() throws {
        let parsed = try XCTUnwrap(MediaCtl.parseAsRoot(["reconcile", "--org", "acme", "--fix", "--grace-minutes", "0",
                                                         "--pending-hours", "2"]) as? Reconcile)
        XCTAssertEqual(parsed.org, "acme")
        XCTAssertTrue(parsed.fix)
        XCTAssertEqual(parsed.graceMinutes, 0)
        XCTAssertEqual(parsed.pendingHours, 2)
        let defaults = try XCTUnwrap(MediaCtl.parseAsRoot(["reconcile"]) as? Reconcile)
        XCTAssertNil(defaults.org)
        XCTAssertFalse(defaults.fix)
        XCTAssertEqual(defaults.graceMinutes, 60)
        XCTAssertEqual(defaults.pendingHours, 24)
    }

    func testUsageErrorsAre64AndNameTheOption() {
        XCTAssertEqual(exitCode(["reconcile", "--grace-minutes", "soon"]), 64)
        XCTAssertTrue(message(["reconcile", "--grace-minutes", "soon"]).contains("--grace-minutes"))
        XCTAssertEqual(exitCode(["reconcile", "--pending-hours=-1"]), 64)
        XCTAssertEqual(exitCode(["reconcile", "extra"]), 64)
        XCTAssertEqual(exitCode(["key", "create"]), 64)
        XCTAssertEqual(exitCode(["key", "revoke"]), 64)
        XCTAssertEqual(exitCode(["org", "create"]), 64)
        XCTAssertEqual(exitCode(["frobnicate"]), 64)
    }

    func testOrganizationAndKeyCommands() throws {
        let org = try XCTUnwrap(MediaCtl.parseAsRoot(["org", "create", "demo", "--name", "Demo", "--if-not-exists"]) as? Org.Create)
        XCTAssertEqual(org.slug, "demo")
        XCTAssertEqual(org.name, "Demo")
        XCTAssertTrue(org.ifNotExists)
        let key = try XCTUnwrap(MediaCtl.parseAsRoot(["key", "create", "--org", "demo"]) as? Key.Create)
        XCTAssertEqual(key.org, "demo")
        XCTAssertEqual(key.name, "default")
        let revoke = try XCTUnwrap(MediaCtl.parseAsRoot(["key", "revoke", "0190-abc"]) as? Key.Revoke)
        XCTAssertEqual(revoke.keyId, "0190-abc")
        XCTAssertTrue(try MediaCtl.parseAsRoot(["routes"]) is RoutesCommand)
        XCTAssertTrue(try MediaCtl.parseAsRoot(["migrate"]) is Migrate)
    }
}
