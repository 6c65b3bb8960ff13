import MediaCore
import MediaHTTP
import XCTest

final class JSONTests: XCTestCase {
    func testRoundTripKeepsOrderAndTypes() throws {
        let text = #"{"b":1,"a":[true,false,null],"c":"x\"y\\z\n","d":-2.5,"e":{}}"#
        let value = try JSONParser.parse(Array(text.utf8))
        XCTAssertEqual(value.objectKeys, ["b", "a", "c", "d", "e"])
        XCTAssertEqual(value["b"], .int(1))
        XCTAssertEqual(value["c"]?.stringValue, "x\"y\\z\n")
        XCTAssertEqual(value["d"]?.doubleValue, -2.5)
        XCTAssertEqual(value.serializedString, text)
    }

    func testUnicodeEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(Array(#"["\u00e9\ud83d\ude00"]"#.utf8))
        XCTAssertEqual(value, .array([.string("é😀")]))
    }

    func testSerializerEscapesControlCharactersAndAngleBrackets() {
        XCTAssertEqual(JSONValue.string("<script>\u{01}").serializedString, #""\u003cscript>\u0001""#)
    }

    func testRejectsMalformedDocuments() {
        for bad in ["", "{", "[1,]", "{\"a\":1,}", "tru", "01", "1.", "\"\u{01}\"", "{\"a\" 1}", "[1] 2", "\"\\ud800\"", "{\"a\":1,\"a\":2}"] {
            XCTAssertThrowsError(try JSONParser.parse(Array(bad.utf8)), "accepted \(bad)") { error in
                XCTAssertEqual((error as? ServiceError)?.code, .validationError)
            }
        }
    }

    func testRejectsDeepNesting() {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        XCTAssertThrowsError(try JSONParser.parse(Array(deep.utf8)))
        let fine = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        XCTAssertNoThrow(try JSONParser.parse(Array(fine.utf8)))
    }

    func testLargeIntegersStayExact() throws {
        XCTAssertEqual(try JSONParser.parse(Array("9007199254740993".utf8)), .int(9_007_199_254_740_993))
    }

    /// `null` is no way to leave out a field the contract types as a number, string or boolean.
    func testNullIsRefusedWhereTheFieldIsNotNullable() throws {
        let reader = try JSONObjectReader(try JSONParser.parse(Array(#"{"s":null,"b":null,"i":null,"d":null,"n":null}"#.utf8)),
                                          allowed: ["s", "b", "i", "d", "n", "absent"])
        XCTAssertThrowsError(try reader.string("s"))
        XCTAssertThrowsError(try reader.bool("b"))
        XCTAssertThrowsError(try reader.int("i"))
        XCTAssertThrowsError(try reader.int("i", in: 0...1))
        XCTAssertThrowsError(try reader.double("d"))
        guard case .clear = try reader.nullableString("n") else { return XCTFail("null clears a nullable text") }
        XCTAssertNil(try reader.int("absent"))
    }
}

final class JSONStringEscapingTests: XCTestCase {
    /// Plain strings take the bulk-copy path, others the escaping one; both give the same JSON.
    func testPlainAndEscapedStringsSerialize() {
        let value: JSONValue = .object([
            ("plain", .string("acme/0193a1f2/original.jpg")),
            ("unicode", .string("plage été 🌊.jpg")),
            ("quote", .string("say \"hi\"")),
            ("backslash", .string("a\\b")),
            ("control", .string("a\nb\tc\u{01}")),
            ("markup", .string("<script>")),
            ("empty", .string("")),
        ])
        XCTAssertEqual(value.serializedString,
                       #"{"plain":"acme/0193a1f2/original.jpg","unicode":"plage été 🌊.jpg","quote":"say \"hi\"","#
                       + #""backslash":"a\\b","control":"a\nb\tc\u0001","markup":"\u003cscript>","empty":""}"#)
    }
}
