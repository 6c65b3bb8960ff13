@testable import MediaApp
import MediaCore
import MediaHTTP
import S3
import Synchronization
import XCTest

/// Deferred bodies through the dispatcher: errors before the head become the envelope, HEAD
/// stops the producer after its head, errors after the head cut the response short.
final class DeferredResponseTests: XCTestCase {
    private final class Counter: Sendable {
        let count = Atomic(0)
        var writes: Int { count.load(ordering: .relaxed) }
        func add() { count.add(1, ordering: .relaxed) }
    }

    private func makeApplication(_ produce: @escaping @Sendable (ResponseHeadWriter) throws -> Void) throws -> (Application, ServiceResources) {
        let config = try AppConfig.load(from: [
            "S3_BUCKET": "media", "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s", "CDN_BASE_URL": "https://cdn.example.com",
        ])
        var router = Router<Endpoint>()
        router.add("GET", "/object", .open { _ in Response(status: 200, body: .deferred(produce)) })
        return (Application(config: config, router: router), ServiceResources(config: config))
    }

    private static func body(_ writer: ResponseHeadWriter, _ text: String) throws {
        try Array(text.utf8).withUnsafeBytes { try writer.write($0) }
    }

    func testHeadAndBodyComeFromTheProducerWithTheRequestId() throws {
        let (app, resources) = try makeApplication { writer in
            try writer.sendHead(status: 206, headers: HTTPHeaders([("Content-Range", "bytes 0-1/9")]))
            try Self.body(writer, "ab")
        }
        let request = Request(method: "GET", uri: "/object", headers: HTTPHeaders([("X-Request-Id", "trace-7")]))
        let sent = try RecordedResponse.of(app.respond(to: request, resources: resources))
        XCTAssertEqual(sent.status, 206)
        XCTAssertEqual(sent.headers["x-request-id"], "trace-7")
        XCTAssertEqual(sent.headers["content-range"], "bytes 0-1/9")
        XCTAssertEqual(String(decoding: sent.body, as: UTF8.self), "ab")
    }

    func testAFailureBeforeTheHeadIsTheContractsEnvelope() throws {
        for (error, status, code) in [(ServiceError.notFound("no object x") as Error, 404, "not_found"),
                                      (ServiceError.rangeNotSatisfiable(size: 9), 416, "range_not_satisfiable"),
                                      (S3TransportError(kind: .unreachable, curlCode: 7, message: "refused"), 503, "unavailable"),
                                      (S3Error(code: .accessDenied, status: 403), 502, "storage_error")] {
            let (app, resources) = try makeApplication { _ in throw error }
            let sent = try RecordedResponse.of(app.respond(to: Request(method: "GET", uri: "/object"), resources: resources))
            XCTAssertEqual(sent.status, status)
            let json = try JSONParser.parse(sent.body)
            XCTAssertEqual(json["error"]?["code"]?.stringValue, code)
            XCTAssertEqual(json["requestId"]?.stringValue, sent.headers["x-request-id"])
            XCTAssertEqual(sent.headers["content-length"], String(sent.body.count))
            if status == 416 { XCTAssertEqual(sent.headers["content-range"], "bytes */9") }
        }
    }

    func testHeadStopsTheProducerAtItsFirstBodyByte() throws {
        let counter = Counter()
        let (app, resources) = try makeApplication { writer in
            try writer.sendHead(status: 200, headers: HTTPHeaders([("Content-Length", "4")]))
            try Self.body(writer, "ab")
            counter.add()
            try Self.body(writer, "cd")
            counter.add()
        }
        let sent = try RecordedResponse.of(app.respond(to: Request(method: "HEAD", uri: "/object"), resources: resources))
        XCTAssertEqual(sent.status, 200)
        XCTAssertEqual(sent.headers["content-length"], "4")
        XCTAssertTrue(sent.body.isEmpty)
        XCTAssertEqual(counter.writes, 0, "the upstream transfer is stopped, not read to the end")
    }

    func testAFailureAfterTheHeadIsRethrownSoTheTransportAborts() throws {
        let (app, resources) = try makeApplication { writer in
            try writer.sendHead(status: 200, headers: HTTPHeaders([("Content-Length", "10")]))
            try Self.body(writer, "abc")
            throw S3TransportError(kind: .connectionLost, curlCode: 56, message: "reset")
        }
        let recorder = RecordedResponse()
        XCTAssertThrowsError(try app.respond(to: Request(method: "GET", uri: "/object"), resources: resources).send(to: recorder)) {
            XCTAssertTrue($0 is S3TransportError)
        }
        XCTAssertEqual(recorder.status, 200)
        XCTAssertEqual(recorder.body.count, 3)
    }

    func testAProducerThatSendsNoHeadIsAnInternalError() throws {
        let (app, resources) = try makeApplication { _ in }
        let sent = try RecordedResponse.of(app.respond(to: Request(method: "GET", uri: "/object"), resources: resources))
        XCTAssertEqual(sent.status, 500)
    }
}
