import Foundation
import Hashing
import MediaCore

/// A file written to a temporary path while it streamed in, with its SHA-256, size and first
/// bytes (for sniffing). The file is removed when this is released.
public final class StagedFile {
    public let path: String
    public let size: Int
    public let sha256: String
    public let prefix: [UInt8]
    /// HTML/script tags found anywhere in the bytes (see `MarkupScanner`).
    public let markup: [String]

    init(path: String, size: Int, sha256: String, prefix: [UInt8], markup: [String] = []) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.prefix = prefix
        self.markup = markup
    }

    deinit { unlink(path) }
}

/// Writes bytes to a new temporary file as they arrive, hashing them and refusing more than
/// `maxBytes` (413). Until `finish`, releasing it removes the file: no error path leaks one.
final class FileStager {
    private let maxBytes: Int
    private var fd: Int32
    private let path: String
    private var size = 0
    private var hasher: SHA256? = SHA256()
    private var prefix: [UInt8] = []
    private var scanner = MarkupScanner()

    init(directory: String = TemporaryFile.directory, maxBytes: Int) throws {
        self.maxBytes = maxBytes
        (fd, path) = try TemporaryFile.create(in: directory, named: "media-staged")
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(path)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        size += bytes.count
        guard size <= maxBytes else {
            throw ServiceError(.payloadTooLarge, "the file exceeds the limit of \(maxBytes) bytes", details: ["limit": String(maxBytes)])
        }
        hasher?.update(bytes)
        scanner.feed(bytes)
        if prefix.count < FileType.sniffLength { prefix.append(contentsOf: bytes.prefix(FileType.sniffLength - prefix.count)) }
        try TemporaryFile.write(bytes, to: fd)
    }

    func finish() throws -> StagedFile {
        guard let hasher = hasher.take(), fd >= 0 else { throw ServiceError(.internalError, "staged file finished twice") }
        close(fd)
        fd = -1
        return StagedFile(path: path, size: size, sha256: hasher.finalize().hexString, prefix: prefix, markup: scanner.found)
    }
}

/// Temporary files for bytes on their way through a worker (staged uploads, parts).
enum TemporaryFile {
    static var directory: String { ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp" }

    /// A new file `{directory}/{name}-XXXXXX`, open for writing.
    static func create(in directory: String, named name: String) throws -> (fd: Int32, path: String) {
        var template = Array("\(directory)/\(name)-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ServiceError(.internalError, "cannot create a temporary file") }
        return (fd, String(cString: template))
    }

    static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            guard written > 0 else { throw ServiceError(.internalError, "cannot write a temporary file") }
            offset += written
        }
    }
}
