/// Receives a streamed response body (the FastCGI output stream in production).
public protocol ResponseBodyWriter: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// Lets a body producer choose the status and headers itself, then write the body.
public protocol ResponseHeadWriter: ResponseBodyWriter {
    /// Sends the status and `headers` (after the `Response`'s own headers). Once, before any `write`.
    func sendHead(status: Int, headers: HTTPHeaders) throws
    /// Whether the head went out: after that, a failure can only cut the response short.
    var headSent: Bool { get }
}

public enum ResponseBody {
    case bytes([UInt8])
    /// Produced while the response is being sent, so large bodies never sit in memory.
    case stream((ResponseBodyWriter) throws -> Void)
    /// The producer sends the head itself, then the body: for bytes relayed from an upstream
    /// answer (an S3 GET) whose length, ETag or range are known only once that answer starts,
    /// so one upstream request serves both. The `Response`'s headers go out with that head;
    /// if the producer returns without sending one, its status and headers go out with no body.
    case deferred((ResponseHeadWriter) throws -> Void)
}

public struct Response {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: ResponseBody

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: ResponseBody = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ value: JSONValue, status: Int = 200) -> Response {
        json(bytes: value.serialized(), status: status)
    }

    /// A JSON body serialized earlier (a cached response).
    public static func json(bytes: [UInt8], status: Int = 200) -> Response {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json; charset=utf-8")
        return Response(status: status, headers: headers, body: .bytes(bytes))
    }

    public static func empty(status: Int) -> Response { Response(status: status) }

    /// The body when it is in memory (tests read it).
    public var bodyBytes: [UInt8]? {
        if case .bytes(let bytes) = body { return bytes }
        return nil
    }
}

public enum HTTPStatus {
    /// Reason phrases for the status line FastCGI sends.
    public static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 410: "Gone"
        case 412: "Precondition Failed"
        case 413: "Payload Too Large"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 422: "Unprocessable Content"
        case 423: "Locked"
        case 429: "Too Many Requests"
        case 460: "Checksum Mismatch"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status \(status)"
        }
    }
}
