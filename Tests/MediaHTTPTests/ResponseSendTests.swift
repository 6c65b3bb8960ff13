import MediaHTTP
import XCTest

/// The order in which a response reaches its transport, for each body kind.
final class ResponseSendTests: XCTestCase {
    private func text(_ recorder: RecordedResponse) -> String { String(decoding: recorder.body, as: UTF8.self) }

    func testBytesGetAContentLength() throws {
        let sent = try RecordedResponse.of(.json(["ok": true]))
        XCTAssertEqual(sent.status, 200)
        XCTAssertEqual(sent.headers["content-length"], "11")
        XCTAssertEqual(text(sent), "{\"ok\":true}")
    }

    func testStreamSendsTheHeadFirst() throws {
        let response = Response(status: 200, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: .stream { writer in
            try Array("chunk1,".utf8).withUnsafeBytes { try writer.write($0) }
            try Array("chunk2".utf8).withUnsafeBytes { try writer.write($0) }
        })
        let sent = try RecordedResponse.of(response)
        XCTAssertEqual(sent.status, 200)
        XCTAssertEqual(text(sent), "chunk1,chunk2")
    }

    func testDeferredProducerChoosesStatusAndHeadersAfterTheResponseIsBuilt() throws {
        var response = Response(status: 200, body: .deferred { writer in
            XCTAssertFalse(writer.headSent)
            try writer.sendHead(status: 206, headers: HTTPHeaders([("Content-Range", "bytes 0-2/10"), ("X-Request-Id", "override")]))
            XCTAssertTrue(writer.headSent)
            try Array("abc".utf8).withUnsafeBytes { try writer.write($0) }
        })
        response.headers.set("X-Request-Id", "req-1")
        response.headers.set("X-Base", "kept")
        let sent = try RecordedResponse.of(response)
        XCTAssertEqual(sent.status, 206)
        XCTAssertEqual(sent.headers["content-range"], "bytes 0-2/10")
        XCTAssertEqual(sent.headers["x-base"], "kept", "the response's own headers go out with the producer's head")
        XCTAssertEqual(sent.headers["x-request-id"], "override", "the producer's value wins")
        XCTAssertEqual(sent.headers.fields.filter { $0.name.lowercased() == "x-request-id" }.count, 1)
        XCTAssertEqual(text(sent), "abc")
    }

    func testDeferredProducerWithoutAHeadSendsTheResponsesStatusAndNoBody() throws {
        let sent = try RecordedResponse.of(Response(status: 304, headers: HTTPHeaders([("ETag", "\"x\"")]), body: .deferred { _ in }))
        XCTAssertEqual(sent.status, 304)
        XCTAssertEqual(sent.headers["etag"], "\"x\"")
        XCTAssertTrue(sent.body.isEmpty)
    }

    func testDeferredProducerMustSendOneHeadBeforeAnyByte() {
        let early = Response(status: 200, body: .deferred { writer in
            try Array("x".utf8).withUnsafeBytes { try writer.write($0) }
        })
        XCTAssertThrowsError(try RecordedResponse.of(early)) { XCTAssertEqual($0 as? ResponseSendError, .headOutOfOrder) }
        let twice = Response(status: 200, body: .deferred { writer in
            try writer.sendHead(status: 200, headers: HTTPHeaders())
            try writer.sendHead(status: 500, headers: HTTPHeaders())
        })
        XCTAssertThrowsError(try RecordedResponse.of(twice)) { XCTAssertEqual($0 as? ResponseSendError, .headOutOfOrder) }
    }

    func testAFailureAfterTheHeadReachesTheCallerWithTheHeadAlreadyOut() {
        struct UpstreamBroke: Error {}
        let recorder = RecordedResponse()
        let response = Response(status: 200, body: .deferred { writer in
            try writer.sendHead(status: 200, headers: HTTPHeaders([("Content-Length", "10")]))
            try Array("abc".utf8).withUnsafeBytes { try writer.write($0) }
            throw UpstreamBroke()
        })
        XCTAssertThrowsError(try response.send(to: recorder)) { XCTAssertTrue($0 is UpstreamBroke) }
        XCTAssertEqual(recorder.status, 200)
        XCTAssertEqual(recorder.body.count, 3)
    }
}
