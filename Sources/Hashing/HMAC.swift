import COpenSSL

public enum HMAC {
    /// HMAC-SHA256 of `message` under `key`.
    public static func sha256<Key: Collection, Message: Collection>(key: Key, message: Message) -> [UInt8]
    where Key.Element == UInt8, Message.Element == UInt8 {
        let keyBytes = Array(key)
        let messageBytes = Array(message)
        var digest = [UInt8](repeating: 0, count: 32)
        let ok = keyBytes.withUnsafeBytes { keyBuffer in
            messageBytes.withUnsafeBytes { messageBuffer in
                copenssl_hmac_sha256(template, keyBuffer.baseAddress, keyBuffer.count,
                                     messageBuffer.baseAddress, messageBuffer.count, &digest)
            }
        }
        guard ok == 1 else { fatalError("OpenSSL could not compute HMAC-SHA256") }
        return digest
    }

    /// Fetched once per process (see the shim): an implicit fetch per call cost more than the MAC.
    nonisolated(unsafe) private static let template: OpaquePointer = {
        guard let context = copenssl_hmac_sha256_template() else { fatalError("OpenSSL has no HMAC-SHA256") }
        return context
    }()

    public static func sha256(key: [UInt8], message: String) -> [UInt8] {
        sha256(key: key, message: Array(message.utf8))
    }
}
