import MediaCore
import XCTest

final class FilenameSearchTests: XCTestCase {
    func testGramsAreTheDistinctLowercasedTrigramsInOrder() {
        XCTAssertEqual(FilenameGrams.grams(of: "Beach.JPG"), [".jp", "ach", "bea", "ch.", "eac", "h.j", "jpg"])
        XCTAssertEqual(FilenameGrams.grams(of: "aaaa"), ["aaa"])
        XCTAssertEqual(FilenameGrams.grams(of: "ab"), [])
        XCTAssertEqual(FilenameGrams.grams(of: "a%_ b"), ["%_ ", "_ b", "a%_"])
    }

    func testNonASCIITextHasNoGramsAndAFilenameGetsTheMarker() {
        XCTAssertNil(FilenameGrams.grams(of: "café.jpg"))
        XCTAssertEqual(FilenameGrams.rows(forFilename: "café.jpg"), [FilenameGrams.nonASCIIMarker])
        XCTAssertEqual(FilenameGrams.rows(forFilename: "ok.png"), [".pn", "k.p", "ok.", "png"])
        XCTAssertEqual(FilenameGrams.rows(forFilename: "a"), [])
        XCTAssertFalse(FilenameGrams.grams(of: "   ")!.contains(FilenameGrams.nonASCIIMarker), "three spaces are a gram, not the marker")
    }

    /// Every gram of a text is a gram of any filename containing it (case aside): what makes
    /// the intersection a superset of the matches.
    func testAContainedTextsGramsAreASubsetOfTheFilenames() {
        let filename = "Summer-Holiday_00042.jpeg"
        for text in ["summer", "HOLIDAY", "y_0", "0042.jp", "mer-hol"] {
            XCTAssertTrue(Set(FilenameGrams.grams(of: text)!).isSubset(of: FilenameGrams.grams(of: filename)!), text)
        }
    }

    func testPlanScansShortOrNonASCIITextAndUsesGramsOtherwise() {
        XCTAssertEqual(FilenameSearchPlan(search: "ab"), .scan)
        XCTAssertEqual(FilenameSearchPlan(search: "café"), .scan)
        XCTAssertEqual(FilenameSearchPlan(search: "Cat"), .grams(["cat"]))
        XCTAssertEqual(FilenameSearchPlan(search: "zzyzx"), .grams(["zzy", "zyz", "yzx"]), "in text order")
        XCTAssertEqual(FilenameSearchPlan(search: "AaaA"), .grams(["aaa"]))
    }

    func testCountedGramsAreSpreadOverALongText() {
        let grams = (0..<40).map { String(format: "%03d", $0) }
        let counted = FilenameSearchPlan.counted(grams)
        XCTAssertEqual(counted.count, FilenameSearchPlan.maxCounted)
        XCTAssertEqual(counted.first, "000")
        XCTAssertEqual(counted.last, "039")
        let words = FilenameGrams.gramsInTextOrder(of: "beach-sunset")!
        XCTAssertEqual(FilenameSearchPlan.counted(words), words, "two words: every gram counted, the rare one where they meet too")
        XCTAssertEqual(Set(counted).count, counted.count)
        XCTAssertEqual(FilenameSearchPlan.counted(["abc", "bcd"]), ["abc", "bcd"])
    }

    func testRarestAreTheFewestRowsFirstWithTiesInTextOrder() {
        let cap = FilenameSearchPlan.countCap
        let rarest = FilenameSearchPlan.rarest([("bea", cap), ("zzy", 3), ("eac", 40), ("ach", 40), ("xyz", 0)])
        XCTAssertEqual(rarest.map(\.gram), ["xyz", "zzy", "eac"])
        XCTAssertEqual(FilenameSearchPlan.rarest([("abc", 1)]).map(\.gram), ["abc"])
    }

    func testACommonGramIsTakenAloneAndOnlyWhenNoRareOneIsKnown() {
        let cap = FilenameSearchPlan.countCap
        let text = ["bea", "eac", "ach", "ch-", "h-s", "-su", "sun", "uns", "nse", "set"].map { (gram: $0, rows: cap) }
        XCTAssertEqual(FilenameSearchPlan.rarest(text).map(\.gram), ["bea"], "no common gram is joined")
        var oneKnown = text
        oneKnown[4].rows = 10
        XCTAssertEqual(FilenameSearchPlan.rarest(oneKnown).map(\.gram), ["h-s"])
        XCTAssertEqual(FilenameSearchPlan.rarest(Array(text.prefix(1))).map(\.gram), ["bea"])
    }

    func testOnlyATextWhoseGramsAreAllCommonWalksTheSortOrder() {
        let cap = FilenameSearchPlan.countCap
        XCTAssertTrue(FilenameSearchPlan.walksSortOrderFirst(rarestRows: cap, typedRows: cap))
        XCTAssertFalse(FilenameSearchPlan.walksSortOrderFirst(rarestRows: cap - 1, typedRows: cap - 1))
        XCTAssertFalse(FilenameSearchPlan.walksSortOrderFirst(rarestRows: 0, typedRows: 0))
    }

    func testATypeFilterThatKeepsFewOfACommonGramsRowsListsEveryMatchInstead() {
        let cap = FilenameSearchPlan.countCap
        XCTAssertTrue(FilenameSearchPlan.walksSortOrderFirst(rarestRows: cap, typedRows: cap * 9 / 10))   // image/
        XCTAssertTrue(FilenameSearchPlan.walksSortOrderFirst(rarestRows: cap, typedRows: cap / 2))
        XCTAssertFalse(FilenameSearchPlan.walksSortOrderFirst(rarestRows: cap, typedRows: cap / 5))       // image/png
        XCTAssertFalse(FilenameSearchPlan.walksSortOrderFirst(rarestRows: cap, typedRows: 0))
    }
}
