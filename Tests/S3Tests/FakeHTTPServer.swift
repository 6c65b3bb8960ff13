import Foundation
import Synchronization

/// A loopback HTTP/1.1 responder for retry tests: answers each request with the next canned
/// response (the last one repeats) and records the request lines. No external server needed.
final class FakeHTTPServer: Sendable {
    private struct Exchange {
        var responses: [String]
        var recorded: [String] = []
    }

    let port: Int
    private let listener: Int32
    private let exchange: Mutex<Exchange>

    init(responses: [String]) throws {
        exchange = Mutex(Exchange(responses: responses))
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { close(fd); throw POSIXError(.EADDRNOTAVAIL) }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in serve() }
    }

    /// Request lines seen so far, e.g. `HEAD /bucket/key HTTP/1.1`.
    var requests: [String] { exchange.withLock { $0.recorded } }

    /// Wakes the accept thread, which then closes the socket itself: closing it here could
    /// let the next server reuse the descriptor number while the old thread still accepts on it.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    static func response(status: Int, reason: String, body: String = "", headers: [String] = []) -> String {
        (["HTTP/1.1 \(status) \(reason)", "Content-Length: \(body.utf8.count)", "Connection: close"] + headers)
            .joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                close(listener)
                return
            }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var continued = false
            // Read the head, then as much body as Content-Length says.
            while true {
                let count = read(connection, &buffer, buffer.count)
                if count <= 0 { break }
                received += buffer[0..<count]
                let text = String(decoding: received, as: UTF8.self)
                guard let end = text.range(of: "\r\n\r\n") else { continue }
                let head = text[..<end.lowerBound].lowercased()
                if !continued && head.contains("expect: 100-continue") {
                    continued = true // as real servers do, so curl sends the body without waiting 1 s
                    _ = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8).withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                }
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if received.count >= text.utf8.distance(from: text.utf8.startIndex, to: end.upperBound.samePosition(in: text.utf8)!) + length { break }
            }
            let requestLine = String(decoding: received, as: UTF8.self).components(separatedBy: "\r\n").first ?? ""
            let reply: String = exchange.withLock {
                $0.recorded.append(requestLine)
                return $0.responses.count > 1 ? $0.responses.removeFirst() : $0.responses[0]
            }
            _ = Array(reply.utf8).withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            close(connection)
        }
    }
}
