import MediaCore
import MediaHTTP

/// What a handler sees of one request.
public struct RequestContext {
    public let request: Request
    public let parameters: [String: String]
    public let requestId: String
    public let resources: ServiceResources
    /// The caller's organization; set for every authenticated route.
    public let organization: Organization?

    public var config: AppConfig { resources.config }

    /// The authenticated organization (only authenticated endpoints call this).
    public var caller: Organization {
        guard let organization else { preconditionFailure("caller asked of a public endpoint") }
        return organization
    }

    public func parameter(_ name: String) -> String {
        guard let value = parameters[name] else { preconditionFailure("route has no parameter \(name)") }
        return value
    }
}

/// A route's handler and whether it needs an API key.
public struct Endpoint: Sendable {
    public let authenticated: Bool
    public let run: @Sendable (RequestContext) throws -> Response
    /// Headers on every answer of the route, errors included (tus's `Tus-Resumable`).
    public var answerHeaders: [(name: String, value: String)] = []

    public init(authenticated: Bool, run: @escaping @Sendable (RequestContext) throws -> Response) {
        self.authenticated = authenticated
        self.run = run
    }

    public func answering(with headers: [(name: String, value: String)]) -> Endpoint {
        var endpoint = self
        endpoint.answerHeaders = headers
        return endpoint
    }

    public static func authenticated(_ run: @escaping @Sendable (RequestContext) throws -> Response) -> Endpoint {
        Endpoint(authenticated: true, run: run)
    }

    public static func open(_ run: @escaping @Sendable (RequestContext) throws -> Response) -> Endpoint {
        Endpoint(authenticated: false, run: run)
    }
}
