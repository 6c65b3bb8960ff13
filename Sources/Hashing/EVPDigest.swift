import COpenSSL

/// One OpenSSL EVP digest context, incremental; `SHA256` and `SHA1` are names for it.
struct EVPDigest: ~Copyable {
    private let context: OpaquePointer

    init(_ algorithm: OpaquePointer) {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, algorithm, nil) == 1 else {
            fatalError("OpenSSL could not initialise a digest")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Algorithms are fetched once per process: `EVP_sha256()` makes OpenSSL 3 look the
    /// algorithm up in its providers on every init, which cost more than hashing an API key.
    static func fetch(_ name: String) -> OpaquePointer {
        guard let algorithm = EVP_MD_fetch(nil, name, nil) else { fatalError("OpenSSL has no \(name)") }
        return algorithm
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    consuming func finalize(length: Int) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: length)
        var written: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &written)
        return digest
    }
}
