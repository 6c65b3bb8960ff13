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
    /// Builds the application's request from the FastCGI parameters nginx sends.
    static func makeRequest(_ raw: UnsafeMutablePointer<FCGX_Request>) -> Request {
        var headers = HTTPHeaders()
        var parameters: [String: String] = [:]
        if var cursor = raw.pointee.envp {
            while let entry = cursor.pointee {
                let text = String(cString: entry)
                if let equals = text.firstIndex(of: "=") {
                    let name = String(text[..<equals])
                    let value = String(text[text.index(after: equals)...])
                    if name.hasPrefix("HTTP_") {
                        headers.add(name.dropFirst(5).replacingUnderscores().lowercased(), value)
                    } else {
                        parameters[name] = value
                    }
                }
                cursor += 1
            }
        }
        if let type = parameters["CONTENT_TYPE"], !type.isEmpty { headers.set("content-type", type) }
        let contentLength = parameters["CONTENT_LENGTH"].flatMap { Int($0) }
        if let contentLength { headers.set("content-length", String(contentLength)) }
        let uri = parameters["REQUEST_URI"] ?? parameters["DOCUMENT_URI"] ?? "/"
        let path = String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        return Request(method: parameters["REQUEST_METHOD"] ?? "GET", path: path,
                       query: QueryParameters(encoded: parameters["QUERY_STRING"] ?? ""),
                       headers: headers, body: FastCGIInput(raw.pointee.in), contentLength: contentLength,
                       remoteAddress: parameters["REMOTE_ADDR"])
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

extension Substring {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}
