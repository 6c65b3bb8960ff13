import Foundation
import MediaCore
import XCTest

/// The completion rules of presigned multipart uploads: every part once, each ETag one S3
/// holds for that part (SeaweedFS lists a part sent again under each of its ETags), the sizes
/// the URLs signed.
final class MultipartCompletionTests: XCTestCase {
    let mib = 1 << 20
    lazy var upload = ResumableUpload(mediaId: "m", organizationId: "o", orgSlug: "acme", kind: .presigned, multipartId: "mp",
                                      length: 20 * mib + 5, partSize: 8 * mib, expiresAt: Date())

    func held(_ number: Int, _ etag: String, size: Int? = nil) -> ResumableUpload.Part {
        ResumableUpload.Part(number: number, etag: etag, size: size ?? upload.size(ofPart: number))
    }

    func claim(_ pairs: [(Int, String)]) -> [MultipartCompletion.Claimed] { pairs.map { .init(number: $0.0, etag: $0.1) } }

    func code(_ body: () throws -> Any) -> (ErrorCode?, String?) {
        do {
            _ = try body()
            return (nil, nil)
        } catch let error as ServiceError {
            return (error.code, error.details["partNumber"])
        } catch {
            return (.internalError, nil)
        }
    }

    func testPartCountAndSizes() {
        XCTAssertEqual(upload.partCount, 3)
        XCTAssertEqual([1, 2, 3].map(upload.size(ofPart:)), [8 * mib, 8 * mib, 4 * mib + 5])
        var exact = upload
        exact.length = 16 * mib
        XCTAssertEqual(exact.partCount, 2)
        XCTAssertEqual(exact.size(ofPart: 2), 8 * mib)
    }

    func testTheClientsETagsPickTheCopiesToAssemble() throws {
        // Part 2 was sent twice: S3 lists both copies; the client names the one it sent last.
        let listed = [held(1, "\"aa\""), held(2, "\"b-old\""), held(2, "\"b-new\""), held(3, "\"cc\"")]
        let parts = try MultipartCompletion.parts(claim([(3, "cc"), (1, "\"AA\""), (2, "\"b-new\"")]), listed: listed, upload: upload)
        XCTAssertEqual(parts.map(\.number), [1, 2, 3])
        XCTAssertEqual(parts.map(\.etag), ["\"aa\"", "\"b-new\"", "\"cc\""], "S3's own spelling, in order")
    }

    func testAnETagS3DoesNotHoldIsRefused() {
        let listed = [held(1, "\"aa\""), held(2, "\"bb\""), held(3, "\"cc\"")]
        let result = code { try MultipartCompletion.parts(self.claim([(1, "aa"), (2, "zz"), (3, "cc")]), listed: listed, upload: self.upload) }
        XCTAssertEqual(result.0, .validationError)
        XCTAssertEqual(result.1, "2")
    }

    func testAPartNotUploadedIsAConflict() {
        let listed = [held(1, "\"aa\""), held(3, "\"cc\"")]
        let result = code { try MultipartCompletion.parts(self.claim([(1, "aa"), (2, "bb"), (3, "cc")]), listed: listed, upload: self.upload) }
        XCTAssertEqual(result.0, .conflict)
        XCTAssertEqual(result.1, "2")
    }

    func testEveryPartExactlyOnce() {
        let listed = [held(1, "\"aa\""), held(2, "\"bb\""), held(3, "\"cc\"")]
        for (claimed, part) in [([(1, "aa"), (3, "cc")], "2"), ([(1, "aa"), (1, "aa"), (2, "bb"), (3, "cc")], "1"),
                                ([(1, "aa"), (2, "bb"), (3, "cc"), (4, "dd")], "4"), ([(0, "aa")], "0")] {
            let result = code { try MultipartCompletion.parts(self.claim(claimed), listed: listed, upload: self.upload) }
            XCTAssertEqual(result.0, .validationError, "\(claimed)")
            XCTAssertEqual(result.1, part, "\(claimed)")
        }
    }

    func testAPartOfAnotherSizeIsRefused() {
        let listed = [held(1, "\"aa\"", size: 5 * mib), held(2, "\"bb\""), held(3, "\"cc\"")]
        let result = code { try MultipartCompletion.parts(self.claim([(1, "aa"), (2, "bb"), (3, "cc")]), listed: listed, upload: self.upload) }
        XCTAssertEqual(result.0, .validationError)
        XCTAssertEqual(result.1, "1")
    }

    func testTheListingGroupsCopiesByPart() {
        let listing = MultipartCompletion.listing([held(2, "\"b1\""), held(1, "\"a\""), held(2, "\"b2\"")])
        XCTAssertEqual(listing.map(\.number), [1, 2])
        XCTAssertEqual(listing[0].etag, "\"a\"")
        XCTAssertNil(listing[1].etag, "two copies: the client must know which it sent last")
        XCTAssertEqual(listing[1].etags, ["\"b1\"", "\"b2\""])
    }

    func testETagsCompareWithoutQuotesOrCase() {
        XCTAssertEqual(MultipartCompletion.normalized(" \"AbC\" "), "abc")
        XCTAssertEqual(MultipartCompletion.normalized("abc"), "abc")
        XCTAssertEqual(MultipartCompletion.normalized("\"\""), "")
    }
}
