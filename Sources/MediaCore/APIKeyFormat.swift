/// API keys look like `mk_<id>_<secret>`: the id (16 hex characters) finds the row, the
/// secret (43 base64url characters, 256 bits) is checked against its stored SHA-256.
public struct APIKeyFormat: Sendable, Equatable {
    public static let prefix = "mk_"
    public let id: String
    public let secret: String

    public init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    public var text: String { "\(Self.prefix)\(id)_\(secret)" }

    /// Splits a presented key; nil when it cannot be one of ours.
    public static func parse(_ presented: String) -> APIKeyFormat? {
        guard presented.hasPrefix(prefix), presented.utf8.count == 3 + 16 + 1 + 43 else { return nil }
        let body = presented.dropFirst(prefix.count)
        let id = body.prefix(16)
        guard body.dropFirst(16).first == "_" else { return nil }
        let secret = body.dropFirst(17)
        guard id.utf8.allSatisfy(isHex), secret.utf8.allSatisfy(isBase64URL) else { return nil }
        return APIKeyFormat(id: String(id), secret: String(secret))
    }

    /// A new key from 8 + 32 random bytes.
    public static func make(idBytes: [UInt8], secretBytes: [UInt8]) -> APIKeyFormat {
        precondition(idBytes.count == 8 && secretBytes.count == 32)
        let hex = Array("0123456789abcdef")
        let id = String(idBytes.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0f)]] })
        return APIKeyFormat(id: id, secret: Base64URL.encode(secretBytes))
    }

    private static func isHex(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) }
    private static func isBase64URL(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}

public enum Base64URL {
    /// Unpadded base64url (RFC 4648 §5).
    public static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out = [UInt8]()
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(chunk >> 18)], alphabet[Int(chunk >> 12 & 63)], alphabet[Int(chunk >> 6 & 63)], alphabet[Int(chunk & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let chunk = UInt32(bytes[index]) << 16
            out += [alphabet[Int(chunk >> 18)], alphabet[Int(chunk >> 12 & 63)]]
        } else if rest == 2 {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int(chunk >> 18)], alphabet[Int(chunk >> 12 & 63)], alphabet[Int(chunk >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base64url, padded or not; nil for any other character or a dangling bit.
    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case 0x41...0x5a: values.append(byte - 0x41)
            case 0x61...0x7a: values.append(byte - 0x61 + 26)
            case 0x30...0x39: values.append(byte - 0x30 + 52)
            case UInt8(ascii: "-"), UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "_"), UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="): continue
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < values.count {
            let chunk = values[index..<min(index + 4, values.count)]
            var bits: UInt32 = 0
            for value in chunk { bits = bits << 6 | UInt32(value) }
            bits <<= UInt32(6 * (4 - chunk.count))
            let produced = chunk.count - 1
            for shift in [16, 8, 0].prefix(produced) { out.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
            index += 4
        }
        return out
    }
}
