import CCurl
import Foundation

/// What a request sends as its body.
enum S3RequestBody {
    case none
    case bytes([UInt8])
    /// A file streamed from disk; `length` is taken when it is opened.
    case file(path: String)
}

/// Receivers for a streamed response body (getObject). Only 2xx/304 answers reach them;
/// error bodies are collected for parsing instead.
struct S3ResponseStream {
    let onHeaders: (S3ObjectHead) throws -> Void
    let onData: (UnsafeRawBufferPointer) throws -> Void
}

/// State shared with libcurl's C callbacks for one attempt of one request, passed to them as
/// an unretained pointer (the object outlives `curl_easy_perform`, which is synchronous).
final class S3Transfer {
    // Request body.
    private let bytes: [UInt8]
    private var offset = 0
    private let fileDescriptor: Int32
    let bodyLength: Int64

    // Response.
    private(set) var status = 0
    private(set) var headers: [String: String] = [:]
    private(set) var body: [UInt8] = []
    /// Collected bodies are capped: S3 documents are small; a runaway one is not buffered whole.
    static let collectLimit = 64 << 20

    let stream: S3ResponseStream?
    let streamStatuses: Set<Int>
    let objectRequest: Bool
    /// Set once onHeaders ran: from then on a failure cannot be retried (bytes may have been handed out).
    private(set) var delivered = false
    /// An error thrown by a sink, or a local read error; rethrown after curl returns.
    private(set) var callbackError: Error?

    init(body: S3RequestBody, stream: S3ResponseStream?, streamStatuses: Set<Int>, objectRequest: Bool) throws {
        self.stream = stream
        self.streamStatuses = streamStatuses
        self.objectRequest = objectRequest
        switch body {
        case .none:
            bytes = []
            fileDescriptor = -1
            bodyLength = 0
        case .bytes(let data):
            bytes = data
            fileDescriptor = -1
            bodyLength = Int64(data.count)
        case .file(let path):
            bytes = []
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw S3ClientError.fileUnreadable(path: path, errno: errno) }
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                let code = errno
                close(fd)
                throw S3ClientError.fileUnreadable(path: path, errno: code == 0 ? EISDIR : code)
            }
            fileDescriptor = fd
            bodyLength = Int64(info.st_size)
        }
    }

    deinit {
        if fileDescriptor >= 0 { close(fileDescriptor) }
    }

    var responseHead: S3ObjectHead { S3ObjectHead(status: status, headers: headers) }

    // MARK: Callbacks (called by libcurl on this thread, inside perform)

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        if fileDescriptor >= 0 {
            while true {
                let count = Foundation.read(fileDescriptor, buffer, capacity)
                if count >= 0 { return count }
                if errno == EINTR { continue }
                callbackError = S3ClientError.fileUnreadable(path: "(upload body)", errno: errno)
                return Int(CURL_READFUNC_ABORT)
            }
        }
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }

    /// Rewinds the body: curl asks when it must resend it (a reused connection that had closed).
    func seek(to position: Int64) -> Bool {
        guard position >= 0, position <= bodyLength else { return false }
        if fileDescriptor >= 0 { return lseek(fileDescriptor, off_t(position), SEEK_SET) == off_t(position) }
        offset = Int(position)
        return true
    }

    /// One header line; a status line starts a new block (after `100 Continue` or a redirect).
    func header(_ line: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("HTTP/") {
            let parts = text.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            headers = [:]
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        if let existing = headers[name] { headers[name] = existing + ", " + value } else { headers[name] = value }
    }

    /// Body bytes: streamed to the sink for the statuses it wants, otherwise collected.
    func write(_ data: UnsafeRawBufferPointer) -> Bool {
        if let stream, streamStatuses.contains(status) {
            do {
                try deliverHeadersIfNeeded()
                try stream.onData(data)
                return true
            } catch {
                callbackError = error
                return false
            }
        }
        guard body.count + data.count <= Self.collectLimit else { return false }
        body.append(contentsOf: data)
        return true
    }

    /// Hands the headers to the sink once, before the first byte (or at the end for empty bodies).
    func deliverHeadersIfNeeded() throws {
        guard let stream, !delivered, streamStatuses.contains(status) else { return }
        delivered = true
        try stream.onHeaders(responseHead)
    }

    func noteCallbackError(_ error: Error) { callbackError = error }

    // MARK: C entry points

    static let readCallback: ccurl_data_callback = { buffer, size, count, context in
        guard let buffer, let context else { return Int(CURL_READFUNC_ABORT) }
        return Unmanaged<S3Transfer>.fromOpaque(context).takeUnretainedValue().read(into: buffer, capacity: size * count)
    }

    static let seekCallback: ccurl_seek_callback = { context, offset, origin in
        guard let context, origin == SEEK_SET else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
        let ok = Unmanaged<S3Transfer>.fromOpaque(context).takeUnretainedValue().seek(to: Int64(offset))
        return ok ? Int32(CURL_SEEKFUNC_OK) : Int32(CURL_SEEKFUNC_FAIL)
    }

    static let headerCallback: ccurl_data_callback = { buffer, size, count, context in
        guard let buffer, let context else { return 0 }
        let length = size * count
        buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Unmanaged<S3Transfer>.fromOpaque(context).takeUnretainedValue().header(UnsafeBufferPointer(start: $0, count: length))
        }
        return length
    }

    static let writeCallback: ccurl_data_callback = { buffer, size, count, context in
        guard let buffer, let context else { return 0 }
        let length = size * count
        let transfer = Unmanaged<S3Transfer>.fromOpaque(context).takeUnretainedValue()
        // Returning anything but `length` makes curl stop with CURLE_WRITE_ERROR.
        return transfer.write(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
    }
}
