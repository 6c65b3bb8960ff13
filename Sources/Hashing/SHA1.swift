/// SHA-1, incremental: only for checksums clients choose (tus `Upload-Checksum: sha1 …`),
/// never for anything the service signs or trusts.
public struct SHA1: ~Copyable {
    private var digest = EVPDigest(Self.algorithm)
    nonisolated(unsafe) private static let algorithm = EVPDigest.fetch("SHA1")

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { digest.update(bytes) }

    public consuming func finalize() -> [UInt8] { digest.finalize(length: 20) }
}
