/// UUIDv7 identifiers: time-ordered, so primary-key inserts stay at the end of the index.
public enum Identifier {
    /// A lowercase UUIDv7 string. `randomBytes` supplies 10 bytes of randomness.
    public static func uuidV7(milliseconds: UInt64, randomBytes: [UInt8]) -> String {
        precondition(randomBytes.count >= 10, "UUIDv7 needs 10 random bytes")
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        for index in 6..<16 { bytes[index] = randomBytes[index - 6] }
        bytes[6] = 0x70 | (bytes[6] & 0x0f)   // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3f)   // RFC 4122 variant
        let hex = bytes.map { byte -> String in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    /// Whether `text` has the shape of an id this service hands out (lowercase UUID).
    public static func isWellFormed(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return false }
        for (index, byte) in utf8.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                if byte != UInt8(ascii: "-") { return false }
            } else if !((byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)) {
                return false
            }
        }
        return true
    }
}
