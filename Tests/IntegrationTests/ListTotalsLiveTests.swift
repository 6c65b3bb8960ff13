import Foundation
import MediaCore
import MediaInfra
import XCTest

/// Against the live MariaDB of `scripts/test`: a list's total is counted every time while it
/// is small (exact), and remembered for a few seconds once it is large (one COUNT per
/// interval when paging through a big library).
final class ListTotalsLiveTests: XCTestCase {
    func testSmallTotalsAreCountedEveryTimeAndLargeOnesAreRememberedBriefly() throws {
        let database = DatabaseConnection(settings: try LiveDatabase.settings())
        defer { database.close() }
        let organization = try LiveDatabase.newOrganization(database, prefix: "totals")
        let slug = organization.slug
        // Rows only: no objects, so they go before the test ends (media-worker's consistency
        // pass would otherwise look for their objects).
        defer { _ = try? database.execute("DELETE FROM media WHERE organization_id = ?", [.text(organization.id)]) }
        func addRows(_ count: Int) throws {
            try database.execute("""
                INSERT INTO media (id, organization_id, bucket, object_key, filename, mime_type, status, created_at, updated_at)
                SELECT UUID(), ?, 'media', CONCAT(?, '/', UUID(), '/original.jpg'), 'photo.jpg', 'image/jpeg', 'ready',
                       UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)
                FROM seq_1_to_\(count)
                """, [.text(organization.id), .text(slug)])
        }
        let store = MediaStore(database: database)
        let firstPage = MediaListQuery()   // 20 a page: a full page does not tell the total
        var images = MediaListQuery()
        images.typePrefix = "image/"

        try addRows(25)
        XCTAssertEqual(try store.list(firstPage, in: organization).total, 25)
        try addRows(1)
        XCTAssertEqual(try store.list(firstPage, in: organization).total, 26, "a small total is counted every time")

        try addRows(MediaListQuery.rememberedTotalThreshold)
        XCTAssertEqual(try store.list(firstPage, in: organization).total, 10_026, "counted once it is large")
        try addRows(1)
        XCTAssertEqual(try store.list(firstPage, in: organization).total, 10_026, "then remembered")
        XCTAssertEqual(try store.list(images, in: organization).total, 10_027, "another filter is another list: counted")
        var page2 = firstPage
        page2.offset = 20
        XCTAssertEqual(try store.list(page2, in: organization).total, 10_026, "the page does not change which list it is")
    }
}
