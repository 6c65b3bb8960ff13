import CFastCGI
import Glibc
import MediaHTTP

/// The request body as libfcgi delivers it: FCGI_STDIN records, read on demand.
final class FastCGIInput: RequestBodySource {
    private let stream: UnsafeMutablePointer<FCGX_Stream>

    init(_ stream: UnsafeMutablePointer<FCGX_Stream>) { self.stream = stream }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let count = FCGX_GetStr(base.assumingMemoryBound(to: CChar.self), Int32(min(buffer.count, Int(Int32.max))), stream)
        if count < 0 || FCGX_GetError(stream) != 0 { throw FastCGIError.connectionLost }
        return Int(count)
    }
}

/// Writes the response to FCGI_STDOUT: the CGI head (`Status:` and header lines), then the
/// body. A failed write means the web server went away.
final class FastCGIOutput: ResponseTransport {
    private let stream: UnsafeMutablePointer<FCGX_Stream>
    private(set) var headWritten = false

    init(_ stream: UnsafeMutablePointer<FCGX_Stream>) { self.stream = stream }

    func writeHead(status: Int, headers: HTTPHeaders) throws {
        var head = "Status: \(status) \(HTTPStatus.reason(status))\r\n"
        for field in headers { head += "\(field.name): \(field.value)\r\n" }
        head += "\r\n"
        headWritten = true
        try Array(head.utf8).withUnsafeBytes { try write($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, 1 << 30)
            let written = FCGX_PutStr((base + offset).assumingMemoryBound(to: CChar.self), Int32(chunk), stream)
            if written != Int32(chunk) { throw FastCGIError.connectionLost }
            offset += chunk
        }
    }
}

public enum FastCGIError: Error {
    case connectionLost
}

enum FastCGIExchange {
    /// Builds the application's request from the FastCGI parameters nginx sends. Works on the
    /// C strings' bytes: only the headers and the few parameters used become Swift strings
    /// (this runs for every request; the Character-level version cost 14 % of a cached GET).
    static func makeRequest(_ raw: UnsafeMutablePointer<FCGX_Request>) -> Request {
        var headers = HTTPHeaders()
        var parameters = CGIParameters()
        if var cursor = raw.pointee.envp {
            while let entry = cursor.pointee {
                let length = strlen(entry)
                entry.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                    let text = UnsafeBufferPointer(start: bytes, count: length)
                    guard let equals = text.firstIndex(of: UInt8(ascii: "=")) else { return }
                    let name = UnsafeBufferPointer(rebasing: text[..<equals])
                    let value = UnsafeBufferPointer(rebasing: text[(equals + 1)...])
                    if let header = headerName(name) {
                        headers.add(header, String(decoding: value, as: UTF8.self))
                    } else {
                        parameters.keep(name, value)
                    }
                }
                cursor += 1
            }
        }
        if let type = parameters.contentType, !type.isEmpty { headers.set("content-type", type) }
        let contentLength = parameters.contentLength.flatMap { Int($0) }
        if let contentLength { headers.set("content-length", String(contentLength)) }
        let uri = parameters.requestURI ?? parameters.documentURI ?? "/"
        let path = uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(uri[..<$0]) } ?? uri
        return Request(method: parameters.requestMethod ?? "GET", path: path,
                       query: QueryParameters(encoded: parameters.queryString ?? ""),
                       headers: headers, body: FastCGIInput(raw.pointee.in), contentLength: contentLength,
                       remoteAddress: parameters.remoteAddress)
    }

    /// `HTTP_X_API_KEY` → `x-api-key`; nil for a parameter that is not a header.
    static func headerName(_ name: UnsafeBufferPointer<UInt8>) -> String? {
        let prefix = 5   // "HTTP_"
        guard name.count > prefix, name[0] == UInt8(ascii: "H"), name[1] == UInt8(ascii: "T"), name[2] == UInt8(ascii: "T"),
              name[3] == UInt8(ascii: "P"), name[4] == UInt8(ascii: "_") else { return nil }
        return String(unsafeUninitializedCapacity: name.count - prefix) { buffer in
            for index in prefix..<name.count {
                let byte = name[index]
                buffer[index - prefix] = switch byte {
                case UInt8(ascii: "_"): UInt8(ascii: "-")
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
                default: byte
                }
            }
            return name.count - prefix
        }
    }

    /// Sends status, headers and body. Throws when the web server is gone or the body's producer
    /// failed; the connection is then aborted, so that a response cut short after its head can
    /// never pass for a complete one (nginx closes the client's connection in turn).
    static func send(_ response: Response, to raw: UnsafeMutablePointer<FCGX_Request>) throws {
        let output = FastCGIOutput(raw.pointee.out)
        do {
            try response.send(to: output)
        } catch {
            abortConnection(raw)
            throw error
        }
    }

    /// Shuts the socket down before libfcgi's FCGI_END_REQUEST can go out.
    private static func abortConnection(_ raw: UnsafeMutablePointer<FCGX_Request>) {
        if raw.pointee.ipcFd >= 0 { shutdown(raw.pointee.ipcFd, Int32(SHUT_RDWR)) }
    }
}

/// The CGI parameters the application reads; the rest nginx sends are skipped unread.
struct CGIParameters {
    var contentType: String?
    var contentLength: String?
    var requestURI: String?
    var documentURI: String?
    var requestMethod: String?
    var queryString: String?
    var remoteAddress: String?

    mutating func keep(_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) {
        func named(_ wanted: StaticString) -> Bool {
            name.count == wanted.utf8CodeUnitCount
                && memcmp(name.baseAddress!, wanted.utf8Start, name.count) == 0
        }
        let text = { String(decoding: value, as: UTF8.self) }
        if named("REQUEST_METHOD") { requestMethod = text() }
        else if named("REQUEST_URI") { requestURI = text() }
        else if named("QUERY_STRING") { queryString = text() }
        else if named("CONTENT_TYPE") { contentType = text() }
        else if named("CONTENT_LENGTH") { contentLength = text() }
        else if named("DOCUMENT_URI") { documentURI = text() }
        else if named("REMOTE_ADDR") { remoteAddress = text() }
    }
}
