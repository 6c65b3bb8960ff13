@testable import FastCGI
import XCTest

/// The byte-level reading of the FastCGI parameters nginx sends.
final class CGIParameterTests: XCTestCase {
    private func withBytes<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        Array(text.utf8).withUnsafeBufferPointer(body)
    }

    func testHeaderParametersBecomeLowercaseDashedNames() {
        XCTAssertEqual(withBytes("HTTP_X_API_KEY", FastCGIExchange.headerName), "x-api-key")
        XCTAssertEqual(withBytes("HTTP_AUTHORIZATION", FastCGIExchange.headerName), "authorization")
        XCTAssertEqual(withBytes("HTTP_X_REQUEST_ID9", FastCGIExchange.headerName), "x-request-id9")
        XCTAssertNil(withBytes("HTTP_", FastCGIExchange.headerName), "no name after the prefix")
        XCTAssertNil(withBytes("HTTPS", FastCGIExchange.headerName))
        XCTAssertNil(withBytes("REQUEST_URI", FastCGIExchange.headerName))
    }

    func testOnlyTheParametersUsedAreKept() {
        var parameters = CGIParameters()
        for (name, value) in [("REQUEST_METHOD", "PATCH"), ("REQUEST_URI", "/api/v1/media/x?a=1"), ("QUERY_STRING", "a=1"),
                              ("CONTENT_TYPE", "application/json"), ("CONTENT_LENGTH", "12"), ("DOCUMENT_URI", "/api/v1/media/x"),
                              ("REMOTE_ADDR", "127.0.0.1"), ("REQUEST_URI_X", "ignored"), ("SCRIPT_FILENAME", "ignored")] {
            withBytes(name) { nameBytes in withBytes(value) { parameters.keep(nameBytes, $0) } }
        }
        XCTAssertEqual(parameters.requestMethod, "PATCH")
        XCTAssertEqual(parameters.requestURI, "/api/v1/media/x?a=1")
        XCTAssertEqual(parameters.queryString, "a=1")
        XCTAssertEqual(parameters.contentType, "application/json")
        XCTAssertEqual(parameters.contentLength, "12")
        XCTAssertEqual(parameters.documentURI, "/api/v1/media/x")
        XCTAssertEqual(parameters.remoteAddress, "127.0.0.1")
    }
}
