/// `%XX` escapes in URLs and forms (RFC 3986), shared by the router, query strings and
/// transform URLs.
public enum PercentEncoding {
    /// Decodes `%XX` escapes; malformed escapes are kept as they are. Invalid UTF-8 becomes U+FFFD.
    public static func decode<S: StringProtocol>(_ text: S, plusIsSpace: Bool = false) -> String {
        let utf8 = Array(text.utf8)
        guard utf8.contains(UInt8(ascii: "%")) || (plusIsSpace && utf8.contains(UInt8(ascii: "+"))) else {
            return String(text)
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
               let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decodeFormComponent<S: StringProtocol>(_ text: S) -> String { decode(text, plusIsSpace: true) }

    /// Decodes `%XX` escapes; nil for a malformed escape or bytes that are not UTF-8 (a value
    /// the caller must refuse rather than guess at).
    public static func decodeStrictly<S: StringProtocol>(_ text: S) -> String? {
        let utf8 = Array(text.utf8)
        var out = [UInt8]()
        var index = 0
        while index < utf8.count {
            guard utf8[index] == UInt8(ascii: "%") else {
                out.append(utf8[index])
                index += 1
                continue
            }
            guard index + 2 < utf8.count, let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) else { return nil }
            out.append(high << 4 | low)
            index += 3
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
