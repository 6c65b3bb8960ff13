import MediaHTTP

/// Wraps the transport's head writer to remember what went out (for the log and for deciding
/// whether an error can still become an error response) and, for HEAD, to stop after the head.
final class WatchedHeadWriter: ResponseHeadWriter {
    /// Thrown at the first body byte of a HEAD request: stops the producer (and its S3 GET).
    struct HeadOnly: Error {}

    private let writer: ResponseHeadWriter
    private let headOnly: Bool
    private(set) var status: Int?
    private(set) var bytesSent: Int64 = 0
    /// A write to the client failed: the client (or nginx) went away, nothing to report.
    private(set) var clientGone = false

    init(_ writer: ResponseHeadWriter, headOnly: Bool) {
        self.writer = writer
        self.headOnly = headOnly
    }

    var headSent: Bool { writer.headSent }

    func sendHead(status: Int, headers: HTTPHeaders) throws {
        self.status = status
        do { try writer.sendHead(status: status, headers: headers) } catch {
            clientGone = true
            throw error
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if headOnly { throw HeadOnly() }
        do { try writer.write(bytes) } catch {
            clientGone = true
            throw error
        }
        bytesSent += Int64(bytes.count)
    }
}
