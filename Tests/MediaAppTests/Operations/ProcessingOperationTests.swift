@testable import MediaApp
import MediaCore
import MediaTestSupport
import XCTest

/// Crops and variant rebuilds against the in-memory ports.
final class ProcessingOperationTests: XCTestCase {
    private var fakes: InMemoryOperations!

    override func setUpWithError() throws { fakes = try InMemoryOperations() }

    private var operation: ProcessingOperation { ProcessingOperation(environment: fakes.environment) }
    private let crop = CropRequest(width: 24, height: 16, regenerateVariants: true)

    func testACropWritesANewVersionAndRemovesTheOldObjects() throws {
        let media = try OperationFixtures.uploaded(fakes)
        let cropped = try operation.crop(media, crop, targetVersion: 2)
        XCTAssertEqual([cropped.width, cropped.height, cropped.version], [24, 16, 2])
        let keys = fakes.storage.keys(in: "media", under: "acme/\(media.id)/")
        XCTAssertEqual(keys.count, 6)
        XCTAssertTrue(keys.allSatisfy { $0.contains("-v2.") }, "\(keys)")
        XCTAssertEqual(fakes.media.rows[media.id]?.objectKey, cropped.objectKey)
    }

    func testStorageDownMidCropRemovesTheNewVersionOnly() throws {
        let media = try OperationFixtures.uploaded(fakes)
        let before = fakes.storage.keys(in: "media")
        fakes.storage.writesBeforeFailure = fakes.storage.writes + 2
        XCTAssertThrowsError(try operation.crop(media, crop, targetVersion: 2))
        XCTAssertEqual(fakes.storage.keys(in: "media"), before, "the old version untouched, the new one gone")
        XCTAssertEqual(fakes.media.rows[media.id], media)
    }

    func testAVariantRebuildThatFailsKeepsTheVariantsTheRowClaims() throws {
        let media = try OperationFixtures.uploaded(fakes)
        let before = fakes.storage.keys(in: "media")
        fakes.storage.writesBeforeFailure = fakes.storage.writes + 2
        XCTAssertThrowsError(try operation.rebuildVariants(media))
        XCTAssertEqual(fakes.storage.keys(in: "media"), before, "rewritten in place, never removed")
    }

    func testARowChangedMeanwhileIsAConflictThatRemovesNothing() throws {
        let media = try OperationFixtures.uploaded(fakes)
        var moved = media
        moved.bucket = "media-private"   // a privacy move got there first (its lock had run out)
        fakes.media.put(moved)
        XCTAssertThrowsError(try operation.crop(media, crop, targetVersion: 2)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .conflict)
        }
        XCTAssertEqual(fakes.media.rows[media.id], moved, "nothing applied")
        XCTAssertEqual(fakes.storage.keys(in: "media", under: "acme/\(media.id)/").count, 12,
                       "both versions kept: the repair pass judges the new one once past the grace")
    }

    func testAnOriginalOverTheUploadLimitIsNotStaged() throws {
        let media = try OperationFixtures.uploaded(fakes)
        let small = try InMemoryOperations(settings: ["UPLOAD_MAX_BYTES": "100"])
        small.storage.place(Array(repeating: 1, count: 200), bucket: "media", key: media.objectKey)
        XCTAssertThrowsError(try ProcessingOperation(environment: small.environment).stageOriginal(of: media)) {
            XCTAssertEqual(($0 as? ServiceError)?.code, .payloadTooLarge)
        }
    }
}
