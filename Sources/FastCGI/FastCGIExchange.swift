import CFastCGI
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

/// Writes the response to FCGI_STDOUT; a failed write means the web server went away.
final class FastCGIOutput: ResponseBodyWriter {
    private let stream: UnsafeMutablePointer<FCGX_Stream>

    init(_ stream: UnsafeMutablePointer<FCGX_Stream>) { self.stream = stream }

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

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }
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

    /// Sends status, headers and body. Throws when the web server is gone.
    static func send(_ response: Response, to raw: UnsafeMutablePointer<FCGX_Request>) throws {
        let output = FastCGIOutput(raw.pointee.out)
        var head = "Status: \(response.status) \(HTTPStatus.reason(response.status))\r\n"
        for field in response.headers { head += "\(field.name): \(field.value)\r\n" }
        if case .bytes(let bytes) = response.body, response.headers["content-length"] == nil {
            head += "Content-Length: \(bytes.count)\r\n"
        }
        head += "\r\n"
        try output.write(Array(head.utf8))
        switch response.body {
        case .bytes(let bytes): try output.write(bytes)
        case .stream(let produce): try produce(output)
        }
    }
}

extension Substring {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}
