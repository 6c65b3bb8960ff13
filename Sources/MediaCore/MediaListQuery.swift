/// The list endpoint's parameters, validated against the contract's ranges and defaults.
public struct MediaListQuery: Sendable, Equatable {
    public enum Sort: String, Sendable { case createdAt, filename, size }
    public enum Order: String, Sendable { case asc, desc }

    public var limit = 20
    public var offset = 0
    public var search: String?
    public var typePrefix: String?
    public var sort = Sort.createdAt
    public var order = Order.desc

    public init() {}

    /// One string per distinct query: the two free texts carry their lengths, so no choice of
    /// characters in them can make two queries read alike.
    public var cacheKey: String {
        func text(_ value: String?) -> String { value.map { "\($0.utf8.count):\($0)" } ?? "-" }
        return "\(limit)|\(offset)|\(sort.rawValue)|\(order.rawValue)|\(text(typePrefix))|\(text(search))"
    }

    /// `value(name)` gives the query parameter's first value, if present.
    public static func parse(_ value: (String) -> String?) throws(ServiceError) -> MediaListQuery {
        var query = MediaListQuery()
        if let text = value("limit") {
            guard let limit = Int(text), (1...100).contains(limit) else {
                throw .validation("limit must be an integer from 1 to 100", field: "limit")
            }
            query.limit = limit
        }
        if let text = value("offset") {
            guard let offset = Int(text), offset >= 0, offset <= 10_000_000 else {
                throw .validation("offset must be an integer from 0 to 10000000", field: "offset")
            }
            query.offset = offset
        }
        if let search = value("search"), !search.isEmpty {
            guard search.count <= 255 else { throw .validation("search must be at most 255 characters", field: "search") }
            guard !search.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw .validation("search must not contain control characters", field: "search")
            }
            query.search = search
        }
        if let type = value("type"), !type.isEmpty {
            guard type.count <= 127, type.utf8.allSatisfy(isMIMECharacter), type.contains("/") || type.allSatisfy(\.isLetter) else {
                throw .validation("type must be a MIME type or prefix such as image/ or image/png", field: "type")
            }
            query.typePrefix = type.lowercased()
        }
        if let text = value("sort") {
            guard let sort = Sort(rawValue: text) else {
                throw .validation("sort must be one of createdAt, filename, size", field: "sort")
            }
            query.sort = sort
        }
        if let text = value("order") {
            guard let order = Order(rawValue: text) else { throw .validation("order must be asc or desc", field: "order") }
            query.order = order
        }
        return query
    }

    private static func isMIMECharacter(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
            || "/+-.".utf8.contains(byte)
    }

    /// Totals from this size up are remembered for `rememberedTotalSeconds` by each API process
    /// (counting them is the cost of a list in a large library: 280–790 ms at 1,000,000
    /// media); smaller ones are always counted, cheaply and exactly.
    public static let rememberedTotalThreshold = 10_000
    public static let rememberedTotalSeconds = 10.0

    public static func remembersTotal(_ total: Int) -> Bool { total >= rememberedTotalThreshold }

    /// The total a page already tells, saving a COUNT: a page that is not full ends the list,
    /// so the total is its offset plus its items. Not for a full page, nor for an empty page
    /// past the start (the offset may lie beyond the end).
    public static func totalFromPage(count: Int, limit: Int, offset: Int) -> Int? {
        guard count < limit, count > 0 || offset == 0 else { return nil }
        return offset + count
    }

    /// Escapes `%`, `_` and `\` so user text matches literally inside `LIKE '%…%' ESCAPE '\'`.
    public static func likePattern(containing text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%\(escaped)%"
    }
}
