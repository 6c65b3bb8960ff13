/// `Content-Disposition` values with a filename, per RFC 6266 and RFC 8187: an ASCII
/// `filename="…"` for old clients plus `filename*=UTF-8''…` carrying the real name.
public enum ContentDisposition {
    public enum Kind: String, Sendable {
        case inline, attachment
    }

    public static func value(_ kind: Kind, filename: String) -> String {
        "\(kind.rawValue); filename=\"\(asciiFallback(filename))\"; filename*=UTF-8''\(extendedValue(filename))"
    }

    /// Printable ASCII only; `"` and `\` (quoting), `%` (some browsers decode it), path
    /// separators and anything non-ASCII become `_`.
    public static func asciiFallback(_ filename: String) -> String {
        var result = ""
        for scalar in filename.unicodeScalars {
            if scalar.value >= 0x20, scalar.value < 0x7f, !"\"\\%/".unicodeScalars.contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else if scalar.value >= 0x20 && scalar.value != 0x7f {
                result += "_"
            }
        }
        let trimmed = result.trimmingCharacters(in: " ")
        return trimmed.isEmpty ? "download" : trimmed
    }

    /// RFC 8187 `value-chars`: attr-chars as they are, every other UTF-8 byte as `%XX`.
    public static func extendedValue(_ filename: String) -> String {
        let name = filename.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }
        var result = ""
        for byte in String(String.UnicodeScalarView(name)).utf8 {
            if isAttrChar(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0x0f, radix: 16, uppercase: true)
            }
        }
        return result.isEmpty ? "download" : result
    }

    private static func isAttrChar(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
            || "!#$&+-.^_`|~".utf8.contains(byte)
    }
}
