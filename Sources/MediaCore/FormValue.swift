/// Values of query strings and form fields, as the contract reads them.
public enum FormValue {
    /// `true/false/1/0`; anything else is a 400 naming the field. Absent → `defaultValue`.
    public static func bool(_ text: String?, field: String, default defaultValue: Bool) throws(ServiceError) -> Bool {
        guard let text else { return defaultValue }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .validation("\(field) must be true, false, 1 or 0", field: field)
        }
    }

    /// An optional free-text field: at most `maxLength` characters, no control characters
    /// other than tab and newlines.
    public static func text(_ text: String?, field: String, maxLength: Int = 2000) throws(ServiceError) -> String? {
        guard let text else { return nil }
        guard text.count <= maxLength else { throw .validation("\(field) must be at most \(maxLength) characters", field: field) }
        guard !text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t" && $0 != "\n" && $0 != "\r") || $0.value == 0x7f }) else {
            throw .validation("\(field) must not contain control characters", field: field)
        }
        return text
    }

    /// `filename(raw)`, but a NUL byte is refused (400) rather than dropped: `evil.php\0.jpg`
    /// is the classic truncation attack, never a real file's name.
    public static func checkedFilename(_ raw: String?, field: String) throws(ServiceError) -> String {
        if let raw, raw.unicodeScalars.contains("\0") {
            throw .validation("the filename must not contain NUL bytes", field: field)
        }
        return filename(raw)
    }

    /// A client filename reduced to a safe display name: the last path component, no control
    /// characters (C0, DEL, C1) and no bidirectional controls (which make `gpj.exe` read as
    /// `exe.jpg`), at most 255 bytes; "file" when nothing is left.
    public static func filename(_ raw: String?) -> String {
        guard let raw else { return "file" }
        let lastComponent = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var cleaned = String(String.UnicodeScalarView(lastComponent.unicodeScalars.filter(isDisplayable)))
        cleaned = cleaned.trimmingSpaces
        while cleaned.utf8.count > 255 { cleaned.removeLast() }
        return cleaned.isEmpty || cleaned == "." || cleaned == ".." ? "file" : cleaned
    }
}

extension FormValue {
    /// Not C0, DEL or C1; not a bidi embedding, override, isolate or mark (U+061C, U+200E–F,
    /// U+202A–E, U+2066–9).
    static func isDisplayable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7f...0x9f, 0x061c, 0x200e, 0x200f, 0x202a...0x202e, 0x2066...0x2069: false
        default: true
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " { slice.removeFirst() }
        while let last = slice.last, last == " " { slice.removeLast() }
        return String(slice)
    }
}
