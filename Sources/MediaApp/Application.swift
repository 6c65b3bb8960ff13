import Foundation
import Hashing
import MediaCore
import MediaHTTP
import Imaging
import MediaInfra
import S3

/// Turns a request into a response: request id, routing, authentication, the handler, and
/// every failure mapped to the contract's envelope. One instance serves all threads.
public final class Application: Sendable {
    public let config: AppConfig
    public let router: Router<Endpoint>
    private let authenticator: Authenticator
    private let log: RequestLog

    public init(config: AppConfig, router: Router<Endpoint>, log: RequestLog = RequestLog()) {
        self.config = config
        self.router = router
        self.log = log
        authenticator = Authenticator(cacheSeconds: Double(config.authCacheSeconds))
    }

    public func respond(to request: Request, resources: ServiceResources) -> Response {
        let started = monotonicNow()
        Telemetry.requestStarted()
        let requestId = request.headers["x-request-id"].flatMap { RequestID.isAcceptable($0) ? $0 : nil } ?? Self.newRequestId()
        var routePattern = "-"
        var organization: Organization?
        var response: Response
        var answerHeaders: [(name: String, value: String)] = []
        do {
            switch match(request) {
            case .notFound:
                throw ServiceError(.notFound, "no route for \(request.path)")
            case .methodNotAllowed(let allowed):
                throw ServiceError(.methodNotAllowed, "\(request.method) is not allowed here; use \(allowed.joined(separator: ", "))",
                                   details: ["allow": allowed.joined(separator: ", ")])
            case .found(let route, let parameters):
                routePattern = route.pattern
                answerHeaders = route.handler.answerHeaders
                if route.handler.authenticated {
                    organization = try authenticator.authenticate(request, database: resources.database)
                }
                let context = RequestContext(request: request, parameters: parameters, requestId: requestId,
                                             resources: resources, organization: organization)
                response = try route.handler.run(context)
            }
        } catch {
            response = errorResponse(error, requestId: requestId, route: routePattern)
        }
        response.headers.set("X-Request-Id", requestId)
        for header in answerHeaders { response.headers.set(header.name, header.value) }
        let entry = LogEntry(requestId: requestId, method: request.method, route: routePattern,
                             organization: organization?.slug, started: started)
        if case .deferred(let produce) = response.body {
            // Status and failures are known only while the body is sent: log then.
            response.body = .deferred(guarded(produce, entry: entry, headOnly: request.method == "HEAD"))
            return response
        }
        if request.method == "HEAD" { response.body = .bytes([]) }
        record(entry, status: response.status)
        return response
    }

    /// HEAD is answered by the GET handler without the body, unless the route has a HEAD of its own (tus).
    private func match(_ request: Request) -> Router<Endpoint>.Match {
        guard request.method == "HEAD" else { return router.match(method: request.method, path: request.path) }
        let own = router.match(method: "HEAD", path: request.path)
        if case .found = own { return own }
        return router.match(method: "GET", path: request.path)
    }

    struct LogEntry {
        let requestId: String
        let method: String
        let route: String
        let organization: String?
        let started: Double
    }

    private func record(_ entry: LogEntry, status: Int) {
        let seconds = monotonicNow() - entry.started
        log.record(requestId: entry.requestId, method: entry.method, route: entry.route, status: status,
                   durationMilliseconds: seconds * 1000, organization: entry.organization)
        Telemetry.requestFinished(route: entry.route, method: entry.method, status: status, seconds: seconds)
    }

    /// Runs a deferred body under the same rules as a handler: a failure before the head becomes
    /// the contract's error response; one after it (S3 broke off mid-object) can only cut the
    /// response short, so it is logged and rethrown for the transport to abort the connection.
    private func guarded(_ produce: @escaping (ResponseHeadWriter) throws -> Void, entry: LogEntry,
                         headOnly: Bool) -> (ResponseHeadWriter) throws -> Void {
        { writer in
            let watched = WatchedHeadWriter(writer, headOnly: headOnly)
            do {
                try produce(watched)
                if !watched.headSent {
                    try watched.sendHead(status: 500, headers: HTTPHeaders())
                }
            } catch is WatchedHeadWriter.HeadOnly {
                // HEAD: the head is out, the body is not wanted.
            } catch where !watched.headSent {
                let failure = self.errorResponse(error, requestId: entry.requestId, route: entry.route)
                var headers = failure.headers
                let body = failure.bodyBytes ?? []
                headers.set("Content-Length", String(body.count))
                try watched.sendHead(status: failure.status, headers: headers)
                if !headOnly { try body.withUnsafeBytes { try watched.write($0) } }
            } catch {
                if !watched.clientGone {
                    self.log.failure(requestId: entry.requestId, route: entry.route,
                                     error: "response cut short after \(watched.bytesSent) body bytes: \(error)")
                }
                self.record(entry, status: watched.status ?? 0)
                throw error
            }
            self.record(entry, status: watched.status ?? 0)
        }
    }

    /// The one place errors become answers: each error says its contract answer and what
    /// only the log may see (`ContractError`); anything else is a 500 whose details are logged.
    private func errorResponse(_ error: Error, requestId: String, route: String) -> Response {
        guard let known = error as? ContractError else {
            log.failure(requestId: requestId, route: route, error: String(describing: error))
            return ServiceError(.internalError, "an unexpected error occurred; quote the request id when reporting it")
                .response(requestId: requestId)
        }
        if let detail = known.logDetail { log.failure(requestId: requestId, route: route, error: detail) }
        return known.serviceError.response(requestId: requestId)
    }

    static func newRequestId() -> String {
        Identifier.next()
    }
}
