/// One HTTP request as the application sees it, whatever transport brought it.
public struct Request {
    public var method: String
    /// The path without the query string, still percent-encoded (the router decodes segments).
    public var path: String
    public var query: QueryParameters
    public var headers: HTTPHeaders
    public var body: RequestBodySource
    /// Declared body length, if the client sent one.
    public var contentLength: Int?
    public var remoteAddress: String?

    public init(method: String, path: String, query: QueryParameters = QueryParameters(),
                headers: HTTPHeaders = HTTPHeaders(), body: RequestBodySource = BufferedBody([]),
                contentLength: Int? = nil, remoteAddress: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.contentLength = contentLength
        self.remoteAddress = remoteAddress
    }

    /// Splits a request URI (`/path?query`) into path and query.
    public init(method: String, uri: String, headers: HTTPHeaders = HTTPHeaders(),
                body: RequestBodySource = BufferedBody([]), contentLength: Int? = nil) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        self.init(method: method, path: String(parts[0]),
                  query: QueryParameters(encoded: parts.count > 1 ? String(parts[1]) : ""),
                  headers: headers, body: body, contentLength: contentLength)
    }

    /// The media type of the body, without parameters, lowercased.
    public var mediaType: String? {
        headers["content-type"].map { $0.split(separator: ";")[0].trimmingCharacters(in: " \t").lowercased() }
    }
}

extension StringProtocol {
    func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters)
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
