import Foundation
import MediaCore
import MediaHTTP

/// One JSON line per request on stderr (journald keeps it), and one per unexpected failure.
public struct RequestLog: Sendable {
    public init() {}

    public func record(requestId: String, method: String, route: String, status: Int,
                       durationMilliseconds: Double, organization: String?) {
        write([("requestId", .string(requestId)), ("method", .string(method)),
               ("route", .string(route)), ("status", .int(status)),
               ("durationMs", .double((durationMilliseconds * 100).rounded() / 100)),
               ("org", .optional(organization))])
    }

    public func failure(requestId: String, route: String, error: String) {
        write([("level", "error"), ("requestId", .string(requestId)),
               ("route", .string(route)), ("error", .string(error))])
    }

    /// A line about something other than a request (jobs, pool events).
    public func event(_ name: String, _ fields: [String: String] = [:]) {
        write([("event", .string(name))]
              + fields.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    /// One line: the time first, then `fields`.
    private func write(_ fields: [(String, JSONValue)]) {
        var line = JSONValue.object([("time", .string(Timestamp.nowWithMilliseconds()))] + fields).serialized()
        line.append(0x0a)
        line.withUnsafeBytes { _ = Foundation.write(2, $0.baseAddress, $0.count) }
    }
}
