/// A single `Range: bytes=…` request evaluated against an object's size (RFC 9110 §14).
public enum ByteRange: Equatable, Sendable {
    /// Serve the whole object: no Range, a malformed one, another unit, or several ranges
    /// (which a server may ignore; serving them would need multipart/byteranges).
    case whole
    /// Serve bytes `first...last` (inclusive, already clamped to the object).
    case partial(first: Int64, last: Int64)
    /// A well-formed range with no byte inside the object: 416.
    case unsatisfiable

    public static func evaluate(_ header: String?, size: Int64) -> ByteRange {
        guard let header else { return .whole }
        let text = header.trimmingCharacters(in: " \t")
        guard let equals = text.firstIndex(of: "="),
              text[..<equals].trimmingCharacters(in: " \t").lowercased() == "bytes" else { return .whole }
        let spec = text[text.index(after: equals)...].trimmingCharacters(in: " \t")
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let firstText = spec[..<dash].trimmingCharacters(in: " \t")
        let lastText = spec[spec.index(after: dash)...].trimmingCharacters(in: " \t")
        guard isDigits(firstText) || firstText.isEmpty, isDigits(lastText) || lastText.isEmpty,
              !(firstText.isEmpty && lastText.isEmpty) else { return .whole }

        if firstText.isEmpty {
            // Suffix: the last N bytes. A huge N means the whole object.
            let suffix = Int64(lastText) ?? Int64.max
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .partial(first: max(0, size - suffix), last: size - 1)
        }
        // A first position too large for Int64 is past any object's end.
        guard let first = Int64(firstText) else { return .unsatisfiable }
        let last = lastText.isEmpty ? Int64.max : (Int64(lastText) ?? Int64.max)
        guard first <= last else { return .whole }   // invalid: ignored, per RFC 9110
        guard first < size else { return .unsatisfiable }
        return .partial(first: first, last: min(last, size - 1))
    }

    /// The normalized header to ask the origin for exactly these bytes.
    public var headerValue: String? {
        if case .partial(let first, let last) = self { return "bytes=\(first)-\(last)" }
        return nil
    }

    private static func isDigits(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }
}
