/// Where a response goes: the FastCGI output in production, memory in tests.
public protocol ResponseTransport: AnyObject {
    func writeHead(status: Int, headers: HTTPHeaders) throws
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

public enum ResponseSendError: Error, Equatable {
    /// A deferred producer sent a second head, or body bytes before its head.
    case headOutOfOrder
}

extension Response {
    /// Sends head and body to `transport`; the one place that decides when the head goes out.
    /// An error after the head was sent leaves the response cut short: the transport must then
    /// abort the connection rather than finish the response normally.
    public func send(to transport: ResponseTransport) throws {
        switch body {
        case .bytes(let bytes):
            var headers = headers
            if headers["content-length"] == nil { headers.add("Content-Length", String(bytes.count)) }
            try transport.writeHead(status: status, headers: headers)
            try bytes.withUnsafeBytes { try transport.write($0) }
        case .stream(let produce):
            try transport.writeHead(status: status, headers: headers)
            try produce(BodyOnly(transport))
        case .deferred(let produce):
            let head = DeferredHead(transport, baseHeaders: headers)
            try produce(head)
            if !head.headSent { try transport.writeHead(status: status, headers: headers) }
        }
    }
}

private final class BodyOnly: ResponseBodyWriter {
    private let transport: ResponseTransport
    init(_ transport: ResponseTransport) { self.transport = transport }
    func write(_ bytes: UnsafeRawBufferPointer) throws { try transport.write(bytes) }
}

/// Enforces head-then-body for a deferred producer and adds the response's own headers.
private final class DeferredHead: ResponseHeadWriter {
    private let transport: ResponseTransport
    private let baseHeaders: HTTPHeaders
    private(set) var headSent = false

    init(_ transport: ResponseTransport, baseHeaders: HTTPHeaders) {
        self.transport = transport
        self.baseHeaders = baseHeaders
    }

    func sendHead(status: Int, headers: HTTPHeaders) throws {
        guard !headSent else { throw ResponseSendError.headOutOfOrder }
        var all = baseHeaders
        for field in headers { all.set(field.name, field.value) }
        headSent = true
        try transport.writeHead(status: status, headers: all)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard headSent else { throw ResponseSendError.headOutOfOrder }
        try transport.write(bytes)
    }
}

/// A transport that keeps everything in memory: for tests, and for callers that need the
/// finished bytes of a response whatever its body kind.
public final class RecordedResponse: ResponseTransport {
    public private(set) var status: Int?
    public private(set) var headers = HTTPHeaders()
    public private(set) var body: [UInt8] = []
    /// Fail the write that would take the body past this many bytes (to test aborts).
    public var failAfterBytes: Int?

    public struct WriteFailed: Error {}

    public init() {}

    public func writeHead(status: Int, headers: HTTPHeaders) throws {
        precondition(self.status == nil, "head written twice")
        self.status = status
        self.headers = headers
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(status != nil, "body before head")
        if let limit = failAfterBytes, body.count + bytes.count > limit { throw WriteFailed() }
        body.append(contentsOf: bytes)
    }

    /// Sends `response` into a new recorder.
    public static func of(_ response: Response) throws -> RecordedResponse {
        let recorder = RecordedResponse()
        try response.send(to: recorder)
        return recorder
    }
}
