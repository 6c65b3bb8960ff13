@testable import MediaApp
import MediaCore
import MediaHTTP
import XCTest

/// The dispatcher without sockets or servers: routing, envelopes, request ids, HEAD.
final class ApplicationTests: XCTestCase {
    private func makeApplication() throws -> (Application, ServiceResources) {
        let config = try AppConfig.load(from: [
            "S3_BUCKET": "media", "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s", "CDN_BASE_URL": "https://cdn.example.com",
        ])
        var router = Router<Endpoint>()
        router.add("GET", "/ping", .open { _ in .json(["pong": true]) })
        router.add("GET", "/fail", .open { _ in throw ServiceError.validation("width must be a positive integer", field: "width") })
        router.add("GET", "/crash", .open { _ in throw CocoaLikeError() })
        return (Application(config: config, router: router), ServiceResources(config: config))
    }

    private struct CocoaLikeError: Error {}

    private func body(_ response: Response) throws -> JSONValue { try JSONParser.parse(response.bodyBytes ?? []) }

    func testSuccessCarriesAGeneratedRequestId() throws {
        let (app, resources) = try makeApplication()
        let response = app.respond(to: Request(method: "GET", uri: "/ping"), resources: resources)
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(Identifier.isWellFormed(response.headers["x-request-id"] ?? ""))
    }

    func testAcceptableRequestIdIsEchoedAndBadOneReplaced() throws {
        let (app, resources) = try makeApplication()
        let echoed = app.respond(to: Request(method: "GET", uri: "/ping", headers: HTTPHeaders([("X-Request-Id", "trace.42")])), resources: resources)
        XCTAssertEqual(echoed.headers["x-request-id"], "trace.42")
        let replaced = app.respond(to: Request(method: "GET", uri: "/ping", headers: HTTPHeaders([("X-Request-Id", "bad id")])), resources: resources)
        XCTAssertNotEqual(replaced.headers["x-request-id"], "bad id")
    }

    func testNotFoundAndMethodNotAllowedUseTheEnvelope() throws {
        let (app, resources) = try makeApplication()
        let missing = app.respond(to: Request(method: "GET", uri: "/nope"), resources: resources)
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(try body(missing)["error"]?["code"], "not_found")
        XCTAssertEqual(try body(missing)["requestId"]?.stringValue, missing.headers["x-request-id"])
        let wrongMethod = app.respond(to: Request(method: "DELETE", uri: "/ping"), resources: resources)
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual(wrongMethod.headers["allow"], "GET")
    }

    func testServiceErrorsKeepTheirDetailsAndUnknownErrorsBecome500() throws {
        let (app, resources) = try makeApplication()
        let failed = app.respond(to: Request(method: "GET", uri: "/fail"), resources: resources)
        XCTAssertEqual(failed.status, 400)
        XCTAssertEqual(try body(failed)["error"]?["details"]?["field"], "width")
        let crashed = app.respond(to: Request(method: "GET", uri: "/crash"), resources: resources)
        XCTAssertEqual(crashed.status, 500)
        XCTAssertEqual(try body(crashed)["error"]?["code"], "internal_error")
        XCTAssertFalse(String(decoding: crashed.bodyBytes ?? [], as: UTF8.self).contains("CocoaLikeError"), "no internals leak")
    }

    func testHeadAnswersLikeGetWithoutABody() throws {
        let (app, resources) = try makeApplication()
        let response = app.respond(to: Request(method: "HEAD", uri: "/ping"), resources: resources)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.bodyBytes, [])
    }

    func testMissingKeyOnAnAuthenticatedRouteIs401WithoutTouchingTheDatabase() throws {
        let (_, resources) = try makeApplication()
        let config = resources.config
        let app = Application(config: config, router: Routes.make(config: config, health: HealthCheck(probes: [])))
        let response = app.respond(to: Request(method: "GET", uri: "/api/v1/media/list"), resources: resources)
        XCTAssertEqual(response.status, 401)
        XCTAssertEqual(try body(response)["error"]?["code"], "unauthorized")
    }

    func testTwoDifferentKeysAre400BeforeAnyLookupAndOneKeyInBothHeadersIsOne() throws {
        let (_, resources) = try makeApplication()
        let config = resources.config
        let app = Application(config: config, router: Routes.make(config: config, health: HealthCheck(probes: [])))
        var headers = HTTPHeaders()
        headers.set("Authorization", "Bearer mk_0123456789abcdef_one")
        headers.set("X-API-Key", "mk_0123456789abcdef_two")
        let response = app.respond(to: Request(method: "GET", uri: "/api/v1/media/list", headers: headers), resources: resources)
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(try body(response)["error"]?["code"], "validation_error")

        headers.set("X-API-Key", " mk_0123456789abcdef_one ")
        XCTAssertEqual(try Authenticator.presentedKey(Request(method: "GET", uri: "/", headers: headers)), "mk_0123456789abcdef_one")
        var basic = HTTPHeaders()
        basic.set("Authorization", "Basic dXNlcjpwYXNz")
        basic.set("X-API-Key", "mk_0123456789abcdef_two")
        XCTAssertEqual(try Authenticator.presentedKey(Request(method: "GET", uri: "/", headers: basic)), "mk_0123456789abcdef_two",
                       "an Authorization that is not Bearer carries no key")
    }

    func testMetricsKnowAFixedSetOfMethods() {
        XCTAssertEqual(Telemetry.methodLabel("GET"), "GET")
        XCTAssertEqual(Telemetry.methodLabel("OPTIONS"), "OPTIONS")
        XCTAssertEqual(Telemetry.methodLabel("FOO"), "OTHER")
        XCTAssertEqual(Telemetry.methodLabel("get"), "OTHER")
        XCTAssertEqual(Set((0..<500).map { Telemetry.methodLabel("M\($0)") }), ["OTHER"])
    }

    func testRouteLinesListEveryRouteAsMethodAndPattern() throws {
        let (_, resources) = try makeApplication()
        let lines = AdminCommands.routeLines(config: resources.config)
        XCTAssertTrue(lines.contains("GET /healthz"))
        XCTAssertTrue(lines.contains("POST /api/v1/media/upload"))
        XCTAssertEqual(Set(lines).count, lines.count, "no route is registered twice")
        for line in lines {
            XCTAssertEqual(line.split(separator: " ").count, 2, line)
        }
    }
}
