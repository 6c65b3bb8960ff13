/// SHA-256 through OpenSSL's EVP interface, one-shot or incremental (for streamed bodies).
public struct SHA256: ~Copyable {
    private var digest = EVPDigest(Self.algorithm)
    nonisolated(unsafe) private static let algorithm = EVPDigest.fetch("SHA256")

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { digest.update(bytes) }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if handled == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    public consuming func finalize() -> [UInt8] { digest.finalize(length: 32) }

    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    public static func hash(_ string: String) -> [UInt8] { hash(Array(string.utf8)) }
}
