import COpenSSL

/// SHA-1 through OpenSSL's EVP interface, incremental: only for checksums clients choose
/// (tus `Upload-Checksum: sha1 …`), never for anything the service signs or trusts.
public struct SHA1: ~Copyable {
    private let context: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, Self.algorithm, nil) == 1 else {
            fatalError("OpenSSL could not initialise SHA-1")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Fetched once per process (see `SHA256.algorithm`).
    nonisolated(unsafe) private static let algorithm: OpaquePointer = {
        guard let algorithm = EVP_MD_fetch(nil, "SHA1", nil) else { fatalError("OpenSSL has no SHA-1") }
        return algorithm
    }()

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    public consuming func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest
    }
}
