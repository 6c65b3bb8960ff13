import Foundation
@testable import MediaApp
import MediaCore
import MediaInfra
import XCTest

/// Against the live MariaDB and Redis of `scripts/test`: a request looks its media up before
/// it takes the media's lock, so a crop may replace the original in between. Under the lock
/// the scheduler reads the row again and answers 404 for a key that is no longer current,
/// instead of cropping or queueing a job for a stale row (whose objects are gone).
final class JobSchedulerLiveTests: XCTestCase {
    func testAReplacedOriginalIsNotFoundUnderTheLock() throws {
        _ = try LiveDatabase.settings()
        let resources = ServiceResources(config: try AppConfig.load(from: ProcessInfo.processInfo.environment))
        defer { resources.close() }
        let organization = try LiveDatabase.newOrganization(resources.database, prefix: "scheduler")
        defer { _ = try? resources.database.execute("DELETE FROM media WHERE organization_id = ?", [.text(organization.id)]) }
        let id = UUID().uuidString.lowercased()
        let read = Media(id: id, organizationId: organization.id, orgSlug: organization.slug, bucket: "media",
                         objectKey: "\(organization.slug)/\(id)/original.jpg", filename: "photo.jpg", mimeType: "image/jpeg",
                         size: 10, width: 4, height: 3, checksum: nil, isPrivate: false, status: .ready, createdAt: "", updatedAt: "")
        try resources.media.insert(read)
        let scheduler = JobScheduler(environment: resources.operations)
        XCTAssertEqual(try scheduler.withLock(read) { $0.objectKey }, read.objectKey, "unchanged: the body runs")

        // Another crop commits version 2 under a new key before this request gets the lock.
        var replaced = read
        replaced.version = 2
        replaced.objectKey = "\(organization.slug)/\(id)/original-v2.jpg"
        XCTAssertTrue(try resources.media.replaceOriginalAndVariants(replaced, status: .ready, expected: read))
        // A second writer that started from version 1 (a crop whose lock ran out) changes nothing.
        var late = read
        late.version = 2
        late.objectKey = "\(organization.slug)/\(id)/original-v2.png"
        XCTAssertFalse(try resources.media.replaceOriginalAndVariants(late, status: .ready, expected: read))
        XCTAssertEqual(try resources.media.find(id: id, in: organization)?.objectKey, replaced.objectKey)
        XCTAssertThrowsError(try scheduler.withLock(read) { _ in XCTFail("ran on a stale row") }) { error in
            XCTAssertEqual((error as? ServiceError)?.code, .notFound, "\(error)")
        }
        XCTAssertThrowsError(try scheduler.enqueue(.crop, media: read)) { error in
            XCTAssertEqual((error as? ServiceError)?.code, .notFound, "\(error)")
        }
        XCTAssertEqual(try resources.media.find(id: id, in: organization)?.status, .ready, "nothing was queued")
        // Both refusals released the lock: the current row goes through at once.
        XCTAssertEqual(try scheduler.withLock(replaced) { $0.version }, 2)
    }
}
