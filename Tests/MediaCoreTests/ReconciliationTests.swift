import MediaCore
import XCTest

final class ReconciliationTests: XCTestCase {
    let id = "0193a1f2-7c1e-7a4b-9d2e-5b8f0c3d4e5f"
    let policy = Reconciliation.Policy(graceSeconds: 3600, pendingSeconds: 86400)

    func row(status: MediaStatus = .ready, bucket: String = "media", updatedAge: Double = 7200, createdAge: Double = 7200,
             deletingAge: Double? = nil) -> Reconciliation.Row {
        Reconciliation.Row(id: id, organizationId: "org-1", orgSlug: "acme", bucket: bucket, objectKey: "acme/\(id)/original.jpg",
                           status: status, variants: ["thumbnail": "acme/\(id)/thumbnail.jpg", "small": "acme/\(id)/small.jpg"],
                           createdAgeSeconds: createdAge, updatedAgeSeconds: updatedAge, deletingAgeSeconds: deletingAge)
    }

    func object(_ name: String, bucket: String = "media", age: Double = 7200, slug: String = "acme") -> Reconciliation.StoredObject {
        Reconciliation.StoredObject(bucket: bucket, key: "\(slug)/\(id)/\(name)", ageSeconds: age)
    }

    func testObjectsAreClaimedOrphanedOrStale() {
        XCTAssertEqual(Reconciliation.classify(object("original.jpg"), row: row(), policy: policy), .claimed)
        XCTAssertEqual(Reconciliation.classify(object("small.jpg"), row: row(), policy: policy), .claimed)
        XCTAssertEqual(Reconciliation.classify(object("original.jpg"), row: nil, policy: policy), .orphan)
        XCTAssertEqual(Reconciliation.classify(object("original.jpg", slug: "other"), row: row(), policy: policy), .orphan,
                       "a folder of another organization is not the row's")
        XCTAssertEqual(Reconciliation.classify(object("original-v2.jpg"), row: row(), policy: policy), .stale)
        XCTAssertEqual(Reconciliation.classify(object("original.jpg", bucket: "media-private"), row: row(), policy: policy), .stale,
                       "a copy left in the other bucket by an interrupted privacy move")
    }

    func testYoungObjectsRecentRowsForeignKeysAndDeletingRowsAreLeftAlone() {
        XCTAssertEqual(Reconciliation.classify(object("original.jpg", age: 10), row: nil, policy: policy), .young)
        XCTAssertEqual(Reconciliation.classify(object("original-v2.jpg"), row: row(updatedAge: 5), policy: policy), .young)
        XCTAssertEqual(Reconciliation.classify(Reconciliation.StoredObject(bucket: "media", key: ".stack-probe", ageSeconds: 1e6),
                                               row: nil, policy: policy), .foreign)
        XCTAssertEqual(Reconciliation.classify(Reconciliation.StoredObject(bucket: "media", key: "acme/not-an-id/x.jpg", ageSeconds: 1e6),
                                               row: nil, policy: policy), .foreign)
        XCTAssertEqual(Reconciliation.classify(object("original.jpg"), row: row(deletingAge: 10), policy: policy), .deleting)
    }

    func testDerivativesOfTheCurrentOriginalAreClaimedOlderOnesStale() {
        var current = row()
        current.version = 2
        XCTAssertEqual(Reconciliation.classify(object("t-v2-0a1b2c3d4e5f60718293.webp"), row: current, policy: policy), .claimed)
        XCTAssertEqual(Reconciliation.classify(object("t-v1-0a1b2c3d4e5f60718293.webp"), row: current, policy: policy), .stale)
        XCTAssertEqual(Reconciliation.classify(object("t-v2-0a1b2c3d4e5f60718293.webp", bucket: "media-private"), row: current,
                                               policy: policy), .stale, "left in the other bucket by a privacy move")
        XCTAssertEqual(Reconciliation.classify(object("t-v2-0a1b2c3d4e5f60718293.webp"), row: nil, policy: policy), .orphan)
        XCTAssertNil(ObjectKey.derivativeVersion(name: "thumbnail.jpg"))
        XCTAssertNil(ObjectKey.derivativeVersion(name: "t-vx-1.jpg"))
    }

    func testStagedObjectsLiveWhileTheirMediaIsPending() {
        func staged(age: Double = 7200, slug: String = "acme") -> Reconciliation.StoredObject {
            Reconciliation.StoredObject(bucket: "media-private", key: ObjectKey.staging(orgSlug: slug, mediaId: id), ageSeconds: age)
        }
        XCTAssertEqual(Reconciliation.classifyStaged(staged(), row: row(status: .pending), policy: policy), .claimed)
        XCTAssertEqual(Reconciliation.classifyStaged(staged(), row: row(status: .ready), policy: policy), .orphan,
                       "a PUT replayed after complete")
        XCTAssertEqual(Reconciliation.classifyStaged(staged(), row: nil, policy: policy), .orphan, "a PUT after the delete")
        XCTAssertEqual(Reconciliation.classifyStaged(staged(), row: row(status: .pending, deletingAge: 5), policy: policy), .orphan)
        XCTAssertEqual(Reconciliation.classifyStaged(staged(slug: "other"), row: row(status: .pending), policy: policy), .orphan)
        XCTAssertEqual(Reconciliation.classifyStaged(staged(age: 10), row: nil, policy: policy), .young)
        XCTAssertEqual(Reconciliation.classifyStaged(object("original.jpg"), row: nil, policy: policy), .foreign)
        XCTAssertEqual(Reconciliation.classify(staged(), row: nil, policy: policy), .foreign, "the layout pass leaves them alone")
    }

    func testRowsAreJudgedOnTheKeysThatExist() {
        let all: Set = ["acme/\(id)/original.jpg", "acme/\(id)/thumbnail.jpg", "acme/\(id)/small.jpg"]
        XCTAssertEqual(Reconciliation.evaluate(row(), existingKeys: all, policy: policy), .consistent)
        XCTAssertEqual(Reconciliation.evaluate(row(), existingKeys: all.subtracting(["acme/\(id)/small.jpg"]), policy: policy),
                       .missingVariants(["small"]))
        XCTAssertEqual(Reconciliation.evaluate(row(), existingKeys: [], policy: policy), .missingOriginal)
        XCTAssertEqual(Reconciliation.evaluate(row(status: .failed), existingKeys: [], policy: policy), .failedWithoutOriginal)
        XCTAssertEqual(Reconciliation.evaluate(row(updatedAge: 30), existingKeys: [], policy: policy), .young)
    }

    func testPendingAndDeletingRows() {
        XCTAssertEqual(Reconciliation.evaluate(row(status: .pending, createdAge: 3600), existingKeys: [], policy: policy), .young)
        XCTAssertEqual(Reconciliation.evaluate(row(status: .pending, createdAge: 90000), existingKeys: [], policy: policy), .stalePending)
        XCTAssertEqual(Reconciliation.evaluate(row(deletingAge: 60), existingKeys: [], policy: policy), .young)
        XCTAssertEqual(Reconciliation.evaluate(row(deletingAge: 4000), existingKeys: [], policy: policy), .interruptedDelete)
        XCTAssertFalse(Reconciliation.needsObjects(row(status: .pending), policy: policy))
        XCTAssertFalse(Reconciliation.needsObjects(row(deletingAge: 1), policy: policy))
        XCTAssertTrue(Reconciliation.needsObjects(row(), policy: policy))
    }

    func testAGraceOfZeroJudgesEverything() {
        let now = Reconciliation.Policy(graceSeconds: 0, pendingSeconds: 0)
        XCTAssertEqual(Reconciliation.classify(object("x.jpg", age: 0), row: nil, policy: now), .orphan)
        XCTAssertEqual(Reconciliation.evaluate(row(status: .pending, createdAge: 0), existingKeys: [], policy: now), .stalePending)
    }

    func testTheLastFolderOfAPageWaitsForTheNextPage() {
        let other = "0193a1f2-7c1e-7a4b-9d2e-000000000001"
        let page = [object("original.jpg"), object("small.jpg"),
                    Reconciliation.StoredObject(bucket: "media", key: "acme/\(other)/original.jpg", ageSeconds: 1),
                    Reconciliation.StoredObject(bucket: "media", key: "acme/\(other)/small.jpg", ageSeconds: 1)]
        let split = Reconciliation.holdBackLastFolder(page, listingComplete: false)
        XCTAssertEqual(split.ready.map(\.key), ["acme/\(id)/original.jpg", "acme/\(id)/small.jpg"])
        XCTAssertEqual(split.carried.count, 2)
        XCTAssertEqual(Reconciliation.holdBackLastFolder(page, listingComplete: true).carried, [])
        XCTAssertEqual(Reconciliation.holdBackLastFolder(Array(page.prefix(2)), listingComplete: false).ready, [],
                       "a page of one folder is carried whole")
    }

    func testSummaryLineAndExitCode() {
        var summary = Reconciliation.Summary()
        summary.rowsChecked = 3
        summary.objectsChecked = 10
        XCTAssertEqual(summary.exitCode, 0)
        XCTAssertEqual(summary.line, "reconcile: checked 3 rows, 10 objects; missing 0, orphans 0, stale 0, pending 0, deleting 0, unindexed 0, miscounted 0, fixed 0")
        summary.orphans = 2
        summary.missing = 1
        XCTAssertEqual(summary.exitCode, 1)
        summary.fixed = 3
        XCTAssertEqual(summary.exitCode, 0, "everything found was fixed")
    }

    func testIdSetHoldsIdsCompactlyAndOthersAsText() {
        var set = MediaIdSet()
        set.insert(id)
        set.insert("not-an-id")
        XCTAssertTrue(set.contains(id))
        XCTAssertTrue(set.contains("not-an-id"))
        XCTAssertFalse(set.contains("0193a1f2-7c1e-7a4b-9d2e-5b8f0c3d4e50"))
        XCTAssertEqual(set.count, 2)
    }
}
