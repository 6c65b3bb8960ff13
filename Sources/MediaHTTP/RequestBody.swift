import MediaCore

/// Where a request body comes from: the FastCGI stdin stream in production, memory in tests.
/// Read at most once, in order.
public protocol RequestBodySource: AnyObject {
    /// Reads up to `buffer.count` bytes; returns 0 at the end of the body.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A body held in memory (tests, and bodies already read).
public final class BufferedBody: RequestBodySource {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public convenience init(_ text: String) { self.init(Array(text.utf8)) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }
}

extension RequestBodySource {
    /// The whole body, refusing with 413 once it passes `limit` bytes.
    public func readAll(limit: Int) throws -> [UInt8] {
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if count == 0 { return collected }
            guard collected.count + count <= limit else {
                throw ServiceError(.payloadTooLarge, "request body exceeds \(limit) bytes",
                                   details: ["limit": String(limit)])
            }
            collected.append(contentsOf: chunk[0..<count])
        }
    }
}
