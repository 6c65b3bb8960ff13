/// Entity-tag comparisons for conditional requests (RFC 9110 §8.8.3, §13.1.2).
public enum EntityTag {
    /// Whether `If-None-Match` (a `*` or a list of tags) matches `etag`, with the weak
    /// comparison that header calls for (`W/"x"` matches `"x"`).
    public static func ifNoneMatch(_ header: String, matches etag: String) -> Bool {
        let wanted = opaque(etag)
        for candidate in header.split(separator: ",") {
            let tag = candidate.trimmingCharacters(in: " \t")
            if tag == "*" || (!tag.isEmpty && opaque(tag) == wanted) { return true }
        }
        return false
    }

    /// A client's conditional header worth passing upstream: printable ASCII, bounded length.
    public static func isAcceptableHeader(_ value: String) -> Bool {
        (1...1024).contains(value.utf8.count) && value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7f }
    }

    private static func opaque(_ tag: String) -> String { tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }
}
