import MediaCore

extension ServiceError {
    /// The contract's error body: `{"error": {"code", "message", "details"?}, "requestId"}`.
    public func envelope(requestId: String) -> JSONValue {
        var error: [(String, JSONValue)] = [("code", .string(code.rawValue)), ("message", .string(message))]
        if !details.isEmpty {
            error.append(("details", .object(details.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        return .object([("error", .object(error)), ("requestId", .string(requestId))])
    }

    public func response(requestId: String) -> Response {
        var response = Response.json(envelope(requestId: requestId), status: code.status)
        if code == .methodNotAllowed, let allow = details["allow"] { response.headers.set("Allow", allow) }
        if code == .rateLimited, let retry = details["retryAfter"] { response.headers.set("Retry-After", retry) }
        if code == .rangeNotSatisfiable, let size = details["size"] { response.headers.set("Content-Range", "bytes */\(size)") }
        return response
    }
}
