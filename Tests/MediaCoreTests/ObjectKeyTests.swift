import MediaCore
import XCTest

final class ObjectKeyTests: XCTestCase {
    private let id = "0193a1f2-7c1e-7a4b-9d2e-5b8f0c3d4e5f"

    func testLayoutAndVersions() {
        XCTAssertEqual(ObjectKey.original(orgSlug: "acme", mediaId: id, version: 1, fileExtension: "jpg").text, "acme/\(id)/original.jpg")
        XCTAssertEqual(ObjectKey.original(orgSlug: "acme", mediaId: id, version: 3, fileExtension: "png").text, "acme/\(id)/original-v3.png")
        XCTAssertEqual(ObjectKey.variant(orgSlug: "acme", mediaId: id, variant: "thumbnail", version: 2, fileExtension: "webp").text,
                       "acme/\(id)/thumbnail-v2.webp")
    }

    func testParsesOwnKeys() {
        let key = ObjectKey.parse("acme/\(id)/original_webp-v2.webp")
        XCTAssertEqual(key, ObjectKey(orgSlug: "acme", mediaId: id, name: "original_webp-v2.webp"))
        XCTAssertEqual(key?.folder, "acme/\(id)")
    }

    func testRefusesHostileKeys() {
        for bad in ["", "/acme/\(id)/original.jpg", "acme/\(id)/../original.jpg", "acme//original.jpg", "acme/\(id)//original.jpg",
                    "acme/\(id)/original.jpg/", "acme/\(id)/orig\u{0}inal.jpg", "acme/\(id)/orig\ninal.jpg", "../\(id)/original.jpg",
                    "acme/\(id)", "acme/not-an-id/original.jpg", "ACME/\(id)/original.jpg", "acme/\(id)/.hidden",
                    "acme/\(id)/a b.jpg", "acme/\(id)/é.jpg", "acme/\(id)/x/original.jpg", "acme/\(id)/original..jpg"] {
            XCTAssertNil(ObjectKey.parse(bad), bad)
        }
    }

    func testFolders() {
        XCTAssertNotNil(ObjectKey.parseFolder("acme/\(id)"))
        XCTAssertNil(ObjectKey.parseFolder("acme/\(id)/"))
        XCTAssertNil(ObjectKey.parseFolder("acme/../\(id)"))
    }

    func testBooleansAndText() throws {
        XCTAssertTrue(try FormValue.bool("1", field: "f", default: false))
        XCTAssertFalse(try FormValue.bool("FALSE", field: "f", default: true))
        XCTAssertTrue(try FormValue.bool(nil, field: "f", default: true))
        XCTAssertThrowsError(try FormValue.bool("yes", field: "isPrivate", default: false)) { error in
            XCTAssertEqual((error as? ServiceError)?.details["field"], "isPrivate")
        }
        XCTAssertEqual(try FormValue.text("line\nbreak", field: "alt"), "line\nbreak")
        XCTAssertThrowsError(try FormValue.text("nul\u{0}", field: "alt"))
        XCTAssertThrowsError(try FormValue.text(String(repeating: "x", count: 2001), field: "alt"))
    }

    func testFilenamesAreReducedToADisplayName() {
        XCTAssertEqual(FormValue.filename("../../etc/passwd"), "passwd")
        XCTAssertEqual(FormValue.filename("C:\\Users\\me\\beach.jpg"), "beach.jpg")
        XCTAssertEqual(FormValue.filename("na\u{0}ïve\u{7}.jpg"), "naïve.jpg")
        XCTAssertEqual(FormValue.filename(".."), "file")
        XCTAssertEqual(FormValue.filename(nil), "file")
        XCTAssertEqual(FormValue.filename(String(repeating: "é", count: 300)).utf8.count, 254)
    }

    func testFilenamesLoseC1AndBidiControls() {
        // "invoice\u{202E}gpj.exe" displays as "invoiceexe.jpg".
        XCTAssertEqual(FormValue.filename("invoice\u{202E}gpj.exe"), "invoicegpj.exe")
        XCTAssertEqual(FormValue.filename("a\u{85}b\u{9B}c\u{80}\u{9F}.png"), "abc.png", "C1 controls")
        let bidi = "\u{200E}\u{200F}\u{202A}\u{202B}\u{202C}\u{202D}\u{2066}\u{2067}\u{2068}\u{2069}\u{061C}"
        XCTAssertEqual(FormValue.filename("x" + bidi + ".jpg"), "x.jpg")
        XCTAssertEqual(FormValue.filename("\u{202E}"), "file", "nothing displayable left")
        XCTAssertEqual(FormValue.filename("שלום مرحبا ¡olé!.jpg"), "שלום مرحبا ¡olé!.jpg", "right-to-left text itself stays")
    }

    func testStagingKeysAreOutsideTheLayout() {
        let key = ObjectKey.staging(orgSlug: "acme", mediaId: "0190f5c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d")
        XCTAssertEqual(key, "_staging/acme/0190f5c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d")
        XCTAssertNil(ObjectKey.parse(key), "no client can name a staged object")
        XCTAssertEqual(ObjectKey.parseStaging(key)?.mediaId, "0190f5c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d")
        XCTAssertNil(ObjectKey.parseStaging("acme/0190f5c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d/original.jpg"))
        XCTAssertNil(ObjectKey.parseStaging("_staging/acme/../x"))
    }

    func testFilenamesWithNULAreRefusedOthersCleaned() throws {
        XCTAssertThrowsError(try FormValue.checkedFilename("evil.php\u{0}.jpg", field: "file")) { error in
            XCTAssertEqual((error as? ServiceError)?.code, .validationError)
            XCTAssertEqual((error as? ServiceError)?.details["field"], "file")
        }
        XCTAssertEqual(try FormValue.checkedFilename("../../etc/passwd.jpg", field: "file"), "passwd.jpg")
        XCTAssertEqual(try FormValue.checkedFilename("tab\there.jpg", field: "file"), "tabhere.jpg")
        XCTAssertEqual(try FormValue.checkedFilename(nil, field: "file"), "file")
    }
}
