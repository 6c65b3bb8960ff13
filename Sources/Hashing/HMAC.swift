import COpenSSL

public enum HMAC {
    /// HMAC-SHA256 of `message` under `key`.
    public static func sha256<Key: Collection, Message: Collection>(key: Key, message: Message) -> [UInt8]
    where Key.Element == UInt8, Message.Element == UInt8 {
        let keyBytes = Array(key)
        let messageBytes = Array(message)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        keyBytes.withUnsafeBytes { keyBuffer in
            messageBytes.withUnsafeBytes { messageBuffer in
                _ = COpenSSL.HMAC(EVP_sha256(), keyBuffer.baseAddress, Int32(keyBuffer.count),
                                  messageBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self), messageBuffer.count,
                                  &digest, &length)
            }
        }
        return digest
    }

    public static func sha256(key: [UInt8], message: String) -> [UInt8] {
        sha256(key: key, message: Array(message.utf8))
    }
}
