import MediaHTTP
import XCTest

final class ContentDispositionTests: XCTestCase {
    func testPlainASCIINameAppearsInBothForms() {
        XCTAssertEqual(ContentDisposition.value(.attachment, filename: "report-2026.pdf"),
                       "attachment; filename=\"report-2026.pdf\"; filename*=UTF-8''report-2026.pdf")
    }

    func testUnicodeNameIsPercentEncodedUTF8WithAnASCIIFallback() {
        XCTAssertEqual(ContentDisposition.value(.inline, filename: "été photo.jpg"),
                       "inline; filename=\"_t_ photo.jpg\"; filename*=UTF-8''%C3%A9t%C3%A9%20photo.jpg")
        XCTAssertEqual(ContentDisposition.extendedValue("日本.png"), "%E6%97%A5%E6%9C%AC.png")
        XCTAssertEqual(ContentDisposition.extendedValue("🐱.gif"), "%F0%9F%90%B1.gif")
    }

    func testQuotesBackslashesPercentAndSeparatorsCannotBreakOut() {
        let value = ContentDisposition.value(.attachment, filename: "a\"b\\c%41/d;e.txt")
        XCTAssertEqual(value, "attachment; filename=\"a_b_c_41_d;e.txt\"; filename*=UTF-8''a%22b%5Cc%2541%2Fd%3Be.txt")
    }

    func testControlCharactersAreDroppedAndEmptyNamesGetADefault() {
        XCTAssertEqual(ContentDisposition.asciiFallback("a\r\nb.txt"), "ab.txt")
        XCTAssertEqual(ContentDisposition.extendedValue("a\r\nb.txt"), "ab.txt")
        XCTAssertEqual(ContentDisposition.asciiFallback(""), "download")
        XCTAssertEqual(ContentDisposition.extendedValue(""), "download")
    }
}
