import Foundation
import MediaCore

/// The bytes of one part on their way to S3, in a temporary file rather than in memory: a
/// worker's memory stays flat whatever the part size and the number of threads.
final class PartSpool {
    let path: String
    private let fd: Int32
    private(set) var count = 0

    init(directory: String = TemporaryFile.directory) throws {
        (fd, path) = try TemporaryFile.create(in: directory, named: "media-part")
    }

    deinit {
        close(fd)
        unlink(path)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try TemporaryFile.write(bytes, to: fd)
        count += bytes.count
    }

    /// Empties the file for the next part.
    func reset() throws {
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else { throw ServiceError(.internalError, "cannot reuse a temporary file") }
        count = 0
    }
}
