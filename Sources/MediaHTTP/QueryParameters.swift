/// `application/x-www-form-urlencoded` pairs, in order (query strings and form bodies).
public struct QueryParameters: Sendable {
    public private(set) var pairs: [(name: String, value: String)]

    public init(pairs: [(String, String)] = []) { self.pairs = pairs.map { (name: $0.0, value: $0.1) } }

    public init(encoded: String) {
        pairs = encoded.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentEncoding.decodeFormComponent(pieces[0])
            let value = pieces.count > 1 ? PercentEncoding.decodeFormComponent(pieces[1]) : ""
            return (name: name, value: value)
        }
    }

    /// The first value of `name`, if present.
    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    public func values(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    public var names: Set<String> { Set(pairs.map(\.name)) }
}

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

    static func decodeFormComponent<S: StringProtocol>(_ text: S) -> String { decode(text, plusIsSpace: true) }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
