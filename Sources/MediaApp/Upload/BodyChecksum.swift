import Hashing
import MediaCore

/// Hashes a request body as it streams, for tus `Upload-Checksum`.
final class BodyChecksum {
    private let expected: TusHeaders.Checksum
    private var sha1: SHA1?
    private var sha256: SHA256?

    init(_ expected: TusHeaders.Checksum) {
        self.expected = expected
        switch expected.algorithm {
        case .sha1: sha1 = SHA1()
        case .sha256: sha256 = SHA256()
        }
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        sha1?.update(bytes)
        sha256?.update(bytes)
    }

    /// Whether what was fed matches; call once, at the end.
    func matches() -> Bool {
        let digest = sha1.take()?.finalize() ?? sha256.take()?.finalize() ?? []
        return digest == expected.digest
    }
}
