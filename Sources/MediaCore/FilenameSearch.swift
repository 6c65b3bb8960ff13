/// Substring search over filenames through an index of their 3-grams (`media_filename_grams`):
/// a filename containing the search text contains every 3-gram of it, so the media holding the
/// rarest few grams of the text are the only candidates, and `LIKE` confirms them. Without it a
/// search that matches nothing read every filename of the organization (10 s at 1,000,000).
///
/// The column's collation (utf8mb4_unicode_ci) folds case and accents, so "cafe" matches
/// "Café.jpg". Grams stand for ASCII text exactly (lowercased), which covers that folding only
/// for ASCII filenames: any other filename gets the `nonASCIIMarker` row instead, and every
/// gram search also confirms those media with `LIKE`.
public enum FilenameGrams {
    public static let length = 3
    /// The one row of a filename that is not ASCII. Grams are `VARBINARY(3)`, so the empty
    /// string is distinct from every real gram (three spaces included).
    public static let nonASCIIMarker = ""

    /// The distinct grams of ASCII `text`, lowercased, in sorted order; nil if `text` is not
    /// ASCII; empty if it is shorter than a gram.
    public static func grams(of text: String) -> [String]? {
        gramsInTextOrder(of: text)?.sorted()
    }

    /// The same grams in the order they first occur in `text`.
    public static func gramsInTextOrder(of text: String) -> [String]? {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        let lowered = bytes.map { (0x41...0x5a).contains($0) ? $0 + 0x20 : $0 }
        guard lowered.count >= length else { return [] }
        var seen = Set<String>(), grams: [String] = []
        for start in 0...(lowered.count - length) {
            let gram = String(decoding: lowered[start..<(start + length)], as: UTF8.self)
            if seen.insert(gram).inserted { grams.append(gram) }
        }
        return grams
    }

    /// The index rows of a filename: its grams, or the marker when it is not ASCII.
    public static func rows(forFilename filename: String) -> [String] {
        grams(of: filename) ?? [nonASCIIMarker]
    }
}

/// How `MediaStore.list` finds the media whose filename contains a search text.
public enum FilenameSearchPlan: Equatable, Sendable {
    /// `LIKE` over the organization's rows, as before the index: for text shorter than a gram
    /// (too many candidates to be worth it) or not ASCII (the collation's accent folding has
    /// no gram form).
    case scan
    /// Intersect the media of some of these grams (in text order; the rarest: `rarest`), then
    /// confirm with `LIKE`.
    case grams([String])

    public init(search: String) {
        if let grams = FilenameGrams.gramsInTextOrder(of: search), !grams.isEmpty {
            self = .grams(grams)
        } else {
            self = .scan
        }
    }

    /// Grams whose rows are counted to find the rarest: a long text has many, and some spread
    /// over it are enough to find a rare one. Measured: with 8, "beach-sunset" skipped its one
    /// rare gram ("h-s", where the two words meet) and took 300 ms instead of a few.
    public static let maxCounted = 16
    /// Rows counted per gram at most: a gram with this many is "common" and its exact count does
    /// not matter (counting stops there, so the choice costs a bounded index read).
    public static let countCap = 5_000
    /// How many rare grams' media are intersected: more cuts the candidates less than it costs.
    public static let intersected = 3
    /// Rows a walk along the sort order may examine before it gives up (`LIMIT ROWS EXAMINED`).
    /// Each is a primary-key lookup for its filename: 20,000 cost ~250 ms at 1,000,000 media,
    /// while a text in 1 of 200 filenames fills a page of 20 within 4,000.
    public static let walkRowsExamined = 4_000

    /// Up to `maxCounted` of `grams`, spread evenly (first and last included).
    public static func counted(_ grams: [String]) -> [String] {
        guard grams.count > maxCounted else { return grams }
        return (0..<maxCounted).map { grams[$0 * (grams.count - 1) / (maxCounted - 1)] }
    }

    /// The grams whose media are intersected, rarest first: up to `intersected` of those whose
    /// count stayed under the cap, or, when every gram reached it, the first alone. A common
    /// gram is not worth joining: each of the candidates costs a lookup in the gram table's
    /// 20 M-row key, dearer than reading the candidate's media row for `LIKE`, and a common
    /// gram keeps most of them (measured at 1,000,000 media: 'beach' under `image/png` took
    /// 220 ms with three of its grams, 45 ms with one; 'beach' counted 360 ms against 130).
    public static func rarest(_ counts: [(gram: String, rows: Int)]) -> [(gram: String, rows: Int)] {
        let known = counts.enumerated().filter { $0.element.rows < countCap }
            .sorted { ($0.element.rows, $0.offset) < ($1.element.rows, $1.offset) }.map(\.element)
        return known.isEmpty ? Array(counts.prefix(1)) : Array(known.prefix(intersected))
    }

    /// A type filter that keeps fewer than this share of a common gram's rows makes matches too
    /// sparse along the sort order for a walk (measured: 'beach' under `image/png`, 1 in 5 of
    /// its rows, 1 match in 155 media).
    public static let walkTypedShare = 0.5

    /// Every counted gram reached the cap: the text is common, so walking the sort order with
    /// `LIKE` finds a page early, and is tried first (bounded by `walkRowsExamined`), unless the
    /// type filter keeps few of the rarest gram's rows (`typedRows` of the `rarestRows` read).
    public static func walksSortOrderFirst(rarestRows: Int, typedRows: Int) -> Bool {
        rarestRows >= countCap && Double(typedRows) >= walkTypedShare * Double(rarestRows)
    }
}
