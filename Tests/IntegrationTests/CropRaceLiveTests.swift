import Foundation
@testable import MediaApp
import MediaCore
import MediaInfra
import XCTest

/// Against the live MariaDB of `scripts/test`: a sync crop reads its media before it takes the
/// media's lock, so another crop may replace the original in between. It must then answer 404
/// for the key the client sent instead of cropping a stale row (whose objects are gone).
final class CropRaceLiveTests: XCTestCase {
    func testACropOfAReplacedOriginalIsNotFound() throws {
        _ = try LiveDatabase.settings()
        let resources = ServiceResources(config: try AppConfig.load(from: ProcessInfo.processInfo.environment))
        defer { resources.close() }
        let organization = try LiveDatabase.newOrganization(resources.database, prefix: "croprace")
        defer { _ = try? resources.database.execute("DELETE FROM media WHERE organization_id = ?", [.text(organization.id)]) }
        let id = UUID().uuidString.lowercased()
        let read = Media(id: id, organizationId: organization.id, orgSlug: organization.slug, bucket: "media",
                         objectKey: "\(organization.slug)/\(id)/original.jpg", filename: "photo.jpg", mimeType: "image/jpeg",
                         size: 10, width: 4, height: 3, checksum: nil, isPrivate: false, status: .ready, createdAt: "", updatedAt: "")
        try resources.media.insert(read)
        let processor = MediaProcessor(resources: resources)
        XCTAssertEqual(try processor.stillCurrent(read, in: organization).objectKey, read.objectKey, "unchanged: cropped")

        // Another crop commits version 2 under a new key before this one gets the lock.
        var replaced = read
        replaced.version = 2
        replaced.objectKey = "\(organization.slug)/\(id)/original-v2.jpg"
        try resources.media.replaceOriginalAndVariants(replaced, status: .ready)
        XCTAssertThrowsError(try processor.stillCurrent(read, in: organization)) { error in
            XCTAssertEqual((error as? ServiceError)?.code, .notFound, "\(error)")
        }
        XCTAssertEqual(try processor.stillCurrent(replaced, in: organization).version, 2, "the new key is current")
    }
}
