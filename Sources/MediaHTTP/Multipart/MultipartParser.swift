import Foundation
import MediaCore

/// A push parser for `multipart/form-data` (RFC 7578): bytes go in as they arrive, events
/// come out, and only a delimiter's length is ever held back — a 100 MB file part never sits
/// in memory. Malformed bodies are 400 `validation_error` with what was wrong.
public struct MultipartParser {
    private enum State { case preamble, afterDelimiter, headers, body, done }

    private let delimiter: [UInt8]          // "\r\n--" + boundary
    private let limits: MultipartLimits
    private var state = State.preamble
    private var pending: [UInt8]
    private var parts = 0

    /// The boundary parameter of a `multipart/form-data` Content-Type, or a 400.
    public static func boundary(fromContentType contentType: String?) throws(ServiceError) -> String {
        guard let contentType else { throw .validation("Content-Type multipart/form-data is required", field: "Content-Type") }
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: " \t") }
        guard pieces.first?.lowercased() == "multipart/form-data" else {
            throw .validation("Content-Type must be multipart/form-data", field: "Content-Type")
        }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: " \t").lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: " \t")
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            guard (1...70).contains(value.utf8.count), value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else {
                throw .validation("the multipart boundary must be 1 to 70 printable characters", field: "Content-Type")
            }
            return value
        }
        throw .validation("the multipart Content-Type has no boundary", field: "Content-Type")
    }

    public init(boundary: String, limits: MultipartLimits = MultipartLimits()) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        self.limits = limits
        // The first delimiter may start the body without a preceding CRLF: pretend there was one.
        pending = [0x0d, 0x0a]
    }

    /// Feeds the next bytes of the body.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ handle: (MultipartEvent) throws -> Void) throws {
        pending.append(contentsOf: bytes)
        try process(handle)
    }

    public mutating func feed(_ bytes: [UInt8], _ handle: (MultipartEvent) throws -> Void) throws {
        try bytes.withUnsafeBytes { try feed($0, handle) }
    }

    /// Call at the end of the body: a body must end with the closing delimiter.
    public func finish() throws(ServiceError) {
        guard state == .done else {
            throw .validation("the multipart body ended before its closing boundary", field: "body")
        }
    }

    private mutating func process(_ handle: (MultipartEvent) throws -> Void) throws {
        var start = 0
        defer { pending.removeFirst(start) }
        while true {
            switch state {
            case .preamble:
                guard let found = find(delimiter, from: start) else {
                    start = max(start, pending.count - (delimiter.count - 1))   // keep what could begin a delimiter
                    return
                }
                start = found + delimiter.count
                state = .afterDelimiter
            case .afterDelimiter:
                // Optional transport padding, then CRLF (another part) or "--" (the end).
                while start < pending.count, pending[start] == 0x20 || pending[start] == 0x09 { start += 1 }
                guard pending.count - start >= 2 else { return }
                if pending[start] == UInt8(ascii: "-"), pending[start + 1] == UInt8(ascii: "-") {
                    state = .done
                    start = pending.count
                } else if pending[start] == 0x0d, pending[start + 1] == 0x0a {
                    start += 2
                    state = .headers
                } else {
                    throw ServiceError.validation("malformed multipart body: bad boundary line", field: "body")
                }
            case .headers:
                if pending.count - start >= 2, pending[start] == 0x0d, pending[start + 1] == 0x0a {
                    throw ServiceError.validation("a multipart part has no Content-Disposition header", field: "body")
                }
                guard let end = find([0x0d, 0x0a, 0x0d, 0x0a], from: start) else {
                    if pending.count - start > limits.maxHeaderBytes {
                        throw ServiceError.validation("a multipart part has more than \(limits.maxHeaderBytes) bytes of headers", field: "body")
                    }
                    return
                }
                guard end - start <= limits.maxHeaderBytes else {
                    throw ServiceError.validation("a multipart part has more than \(limits.maxHeaderBytes) bytes of headers", field: "body")
                }
                parts += 1
                guard parts <= limits.maxParts else {
                    throw ServiceError.validation("the multipart body has more than \(limits.maxParts) parts", field: "body")
                }
                let part = try MultipartHeaders.parse(Array(pending[start..<end]))
                start = end + 4
                state = .body
                try handle(.begin(part))
            case .body:
                if let found = find(delimiter, from: start) {
                    try emit(start..<found, handle)
                    try handle(.end)
                    start = found + delimiter.count
                    state = .afterDelimiter
                } else {
                    let safeEnd = max(start, pending.count - (delimiter.count - 1))
                    try emit(start..<safeEnd, handle)
                    start = safeEnd
                    return
                }
            case .done:
                start = pending.count   // the epilogue is ignored
                return
            }
        }
    }

    private func emit(_ range: Range<Int>, _ handle: (MultipartEvent) throws -> Void) throws {
        guard !range.isEmpty else { return }
        try pending.withUnsafeBytes { try handle(.data(UnsafeRawBufferPointer(rebasing: $0[range]))) }
    }

    /// memchr for the first byte, memcmp for the rest: a large upload's body is scanned at
    /// memchr speed (glibc's memmem is not visible to Swift here).
    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard pending.count - start >= needle.count else { return nil }
        return pending.withUnsafeBytes { haystack -> Int? in
            needle.withUnsafeBytes { needleBytes -> Int? in
                let base = haystack.baseAddress!
                let last = haystack.count - needle.count
                var index = start
                while index <= last {
                    guard let hit = memchr(base + index, Int32(needle[0]), last - index + 1) else { return nil }
                    let position = UnsafeRawPointer(hit) - base
                    if memcmp(base + position, needleBytes.baseAddress!, needle.count) == 0 { return position }
                    index = position + 1
                }
                return nil
            }
        }
    }
}
