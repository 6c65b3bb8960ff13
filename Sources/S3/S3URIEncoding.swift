/// The percent-encoding SigV4 and S3 require ("UriEncode" in the AWS documentation).
///
/// Unreserved bytes (`A-Z a-z 0-9 - . _ ~`) are kept; every other byte of the UTF-8 form is
/// encoded once as `%XX` with uppercase hex. Object keys keep `/` (so `a//b` stays `a//b`);
/// query names and values encode it. No normalisation happens: S3 keys are opaque bytes.
public enum S3URIEncoding {
    /// Encodes a query parameter name or value (`/` becomes `%2F`).
    public static func encode(_ string: String) -> String {
        encode(string, keepingSlash: false)
    }

    /// Encodes an object key for the request path (`/` kept, nothing else).
    public static func encodeKey(_ key: String) -> String {
        encode(key, keepingSlash: true)
    }

    static func encode(_ string: String, keepingSlash: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
