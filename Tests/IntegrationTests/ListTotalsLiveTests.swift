import Foundation
import MediaCore
import MediaInfra
import XCTest

/// Against the live MariaDB of `scripts/test`: a filtered list's total is counted every time
/// while it is small (exact), and remembered for a few seconds once it is large (one COUNT per
/// interval when paging through a big library); an unfiltered one is the organization's counter.
final class ListTotalsLiveTests: XCTestCase {
    func testSmallTotalsAreCountedEveryTimeAndLargeOnesAreRememberedBriefly() throws {
        let database = DatabaseConnection(settings: try LiveDatabase.settings())
        defer { database.close() }
        let organization = try LiveDatabase.newOrganization(database, prefix: "totals")
        let slug = organization.slug
        // Rows only: no objects, so they go before the test ends (media-worker's consistency
        // pass would otherwise look for their objects).
        defer {
            _ = try? database.execute("DELETE FROM media WHERE organization_id = ?", [.text(organization.id)])
            _ = try? database.execute("DELETE FROM organization_media_counts WHERE organization_id = ?", [.text(organization.id)])
        }
        func addRows(_ count: Int) throws {
            try database.execute("""
                INSERT INTO media (id, organization_id, bucket, object_key, filename, mime_type, status, created_at, updated_at)
                SELECT UUID(), ?, 'media', CONCAT(?, '/', UUID(), '/original.jpg'), 'photo.jpg', 'image/jpeg', 'ready',
                       UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)
                FROM seq_1_to_\(count)
                """, [.text(organization.id), .text(slug)])
        }
        let store = MediaStore(database: database)
        // A filtered list's total is counted (the unfiltered one reads the organization's
        // counter, below). 20 a page: a full page does not tell the total.
        var images = MediaListQuery()
        images.typePrefix = "image/"
        var jpegs = MediaListQuery()
        jpegs.typePrefix = "image/jpeg"

        try addRows(25)
        XCTAssertEqual(try store.list(images, in: organization).total, 25)
        try addRows(1)
        XCTAssertEqual(try store.list(images, in: organization).total, 26, "a small total is counted every time")

        try addRows(MediaListQuery.rememberedTotalThreshold)
        XCTAssertEqual(try store.list(images, in: organization).total, 10_026, "counted once it is large")
        try addRows(1)
        XCTAssertEqual(try store.list(images, in: organization).total, 10_026, "then remembered")
        XCTAssertEqual(try store.list(jpegs, in: organization).total, 10_027, "another filter is another list: counted")
        var page2 = images
        page2.offset = 20
        XCTAssertEqual(try store.list(page2, in: organization).total, 10_026, "the page does not change which list it is")

        // Rows written behind the store's back leave the counter as it was, until it is counted again.
        XCTAssertEqual(try store.list(MediaListQuery(), in: organization).total, 0)
        try MediaSearchIndex(database: database).recount(organizationId: organization.id)
        XCTAssertEqual(try store.list(MediaListQuery(), in: organization).total, 10_027, "the counter, counted again")
    }
}
