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
    private let authenticator = Authenticator()
    private let log: RequestLog

    public init(config: AppConfig, router: Router<Endpoint>, log: RequestLog = RequestLog()) {
        self.config = config
        self.router = router
        self.log = log
    }

    public func respond(to request: Request, resources: ServiceResources) -> Response {
        let started = monotonicNow()
        Telemetry.requestStarted()
        let requestId = request.headers["x-request-id"].flatMap { RequestID.isAcceptable($0) ? $0 : nil } ?? Self.newRequestId()
        var routePattern = "-"
        var organization: Organization?
        var response: Response
        do {
            // HEAD is answered by the GET handler without the body.
            let method = request.method == "HEAD" ? "GET" : request.method
            switch router.match(method: method, path: request.path) {
            case .notFound:
                throw ServiceError(.notFound, "no route for \(request.path)")
            case .methodNotAllowed(let allowed):
                throw ServiceError(.methodNotAllowed, "\(request.method) is not allowed here; use \(allowed.joined(separator: ", "))",
                                   details: ["allow": allowed.joined(separator: ", ")])
            case .found(let route, let parameters):
                routePattern = route.pattern
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
        if request.method == "HEAD" { response.body = .bytes([]) }
        let seconds = monotonicNow() - started
        log.record(requestId: requestId, method: request.method, route: routePattern, status: response.status,
                   durationMilliseconds: seconds * 1000, organization: organization?.slug)
        Telemetry.requestFinished(route: routePattern, method: request.method, status: response.status, seconds: seconds)
        return response
    }

    private func errorResponse(_ error: Error, requestId: String, route: String) -> Response {
        let serviceError: ServiceError
        switch error {
        case let error as ServiceError: serviceError = error
        case let error as DatabaseError:
            serviceError = error.serviceError
            log.failure(requestId: requestId, route: route, error: error.description)
        case let error as RedisError:
            serviceError = .unavailable("redis")
            log.failure(requestId: requestId, route: route, error: error.description)
        case let error as ImagingError:
            serviceError = error.serviceError
            if serviceError.code == .internalError { log.failure(requestId: requestId, route: route, error: "\(error)") }
        case let error as S3TransportError:
            serviceError = .unavailable("storage")
            log.failure(requestId: requestId, route: route, error: error.description)
        case let error as S3Error:
            serviceError = ServiceError(.storageError, "the storage service answered \(error.code): \(error.message)")
            log.failure(requestId: requestId, route: route, error: error.description)
        default:
            serviceError = ServiceError(.internalError, "an unexpected error occurred; quote the request id when reporting it")
            log.failure(requestId: requestId, route: route, error: String(describing: error))
        }
        return serviceError.response(requestId: requestId)
    }

    static func newRequestId() -> String {
        Identifier.uuidV7(milliseconds: UInt64(Date().timeIntervalSince1970 * 1000), randomBytes: Bytes.random(count: 10))
    }
}

func monotonicNow() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
