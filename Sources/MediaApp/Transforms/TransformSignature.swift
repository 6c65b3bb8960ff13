import Hashing
import MediaCore

/// imgproxy's URL signature: base64url (no padding) of HMAC-SHA256(key, salt ‖ path), where
/// path is everything after the signature, leading `/` included. Any configured pair may have
/// signed it (several during a key rotation); comparisons take the same time however early
/// the bytes differ.
struct TransformSignature {
    let pairs: [(key: [UInt8], salt: [UInt8])]

    static func sign(_ path: String, key: [UInt8], salt: [UInt8]) -> String {
        Base64URL.encode(HMAC.sha256(key: key, message: salt + Array(path.utf8)))
    }

    func verify(_ url: TransformURL) throws(TransformError) {
        guard let presented = Base64URL.decode(url.signature), presented.count == 32 else { throw .badSignature }
        var matched = false
        for pair in pairs {
            let expected = HMAC.sha256(key: pair.key, message: pair.salt + Array(url.signedPath.utf8))
            if Bytes.constantTimeEqual(expected, presented) { matched = true }
        }
        guard matched else { throw .badSignature }
    }
}
