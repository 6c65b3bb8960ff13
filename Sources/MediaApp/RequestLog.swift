import Logging
import MediaHTTP

/// The service's log lines, written through swift-log by `JSONLogHandler` (one JSON object per
/// line on stderr; journald keeps it): one per request, one per unexpected failure, and events
/// of jobs and processes. A thin layer over `Logger` that keeps the field names the tests and
/// dashboards read (`requestId`, `route`, `status`, `durationMs`, `org`).
public struct RequestLog: Sendable {
    public let logger: Logger

    public init(logger: Logger = Logger(label: "media")) {
        self.logger = logger
    }

    /// Makes every `Logger` of this process write JSON lines from `level` up (`LOG_LEVEL`:
    /// debug, info, warning or error). Once per process, before any logger is made.
    public static func bootstrap(level: String) {
        let threshold = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { _ in JSONLogHandler(level: threshold) }
    }

    /// A logger whose every line carries `requestId`.
    public static func logger(requestId: String, label: String = "media") -> Logger {
        var logger = Logger(label: label)
        logger[metadataKey: "requestId"] = .string(requestId)
        return logger
    }

    public func record(requestId: String, method: String, route: String, status: Int,
                       durationMilliseconds: Double, organization: String?) {
        var metadata: Logger.Metadata = [
            "requestId": .string(requestId), "method": .string(method), "route": .string(route),
            "status": .stringConvertible(status),
            "durationMs": .stringConvertible((durationMilliseconds * 100).rounded() / 100),
        ]
        if let organization { metadata["org"] = .string(organization) }
        logger.info("request", metadata: metadata)
    }

    public func failure(requestId: String, route: String, error: String) {
        logger.error("request failed", metadata: ["requestId": .string(requestId), "route": .string(route),
                                                  "error": .string(error)])
    }

    /// A line about something other than a request (jobs, pool events).
    public func event(_ name: String, _ fields: [String: String] = [:], level: Logger.Level = .info) {
        logger.log(level: level, "\(name)", metadata: fields.mapValues { .string($0) })
    }
}

extension RequestContext {
    /// This request's logger: every line it writes carries the request id.
    public var logger: Logger { RequestLog.logger(requestId: requestId) }
}
