import XCTest
@testable import MediaApp

final class TestMigrationsTests: XCTestCase {
    func testAFileIsOneMigrationWithItsStatementsSplitOnLoneSemicolons() throws {
        let migration = try TestMigrations.parse(fileName: "0100-upgrade note.sql", text: """
            ALTER TABLE media ADD COLUMN upgrade_note VARCHAR(64) NULL
            ;
            CREATE TABLE t (a INT);  -- a semicolon inside a line stays
            ;

            """)
        XCTAssertEqual(migration.version, 100)
        XCTAssertEqual(migration.name, "upgrade note")
        XCTAssertEqual(migration.statements, ["ALTER TABLE media ADD COLUMN upgrade_note VARCHAR(64) NULL",
                                              "CREATE TABLE t (a INT);  -- a semicolon inside a line stays"])
    }

    func testABadNameOrAnEmptyFileIsRefused() {
        XCTAssertThrowsError(try TestMigrations.parse(fileName: "upgrade.sql", text: "SELECT 1"))
        XCTAssertThrowsError(try TestMigrations.parse(fileName: "0-x.sql", text: "SELECT 1"))
        XCTAssertThrowsError(try TestMigrations.parse(fileName: "0100-x.sql", text: "\n;\n"))
    }

    func testWithoutTheSettingThereAreNone() throws {
        XCTAssertTrue(try TestMigrations.load(environment: [:]).isEmpty)
    }
}
