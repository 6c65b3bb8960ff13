import COpenSSL
import Foundation

/// The `Content-MD5` header value (base64 of the MD5 digest), which DeleteObjects requires.
/// MD5 here is an integrity check S3 demands, not a security measure.
enum ContentMD5 {
    static func base64(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_md5(), nil) }
        precondition(ok == 1, "OpenSSL MD5 failed")
        return Data(digest.prefix(Int(length))).base64EncodedString()
    }
}
