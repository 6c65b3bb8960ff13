/// The output format of a transform without `format`: the best one the client's `Accept`
/// allows (AVIF, then WebP), else the source's own (a still image the browser surely shows).
/// The answer then varies with `Accept`, which the response must say (`Vary: Accept`).
public enum FormatNegotiation {
    public static func choose(explicit: TransformOptions.Format?, accept: String?, source: FileType)
        -> (format: TransformOptions.Format, variesWithAccept: Bool) {
        if let explicit { return (explicit, false) }
        let accepted = Set((accept ?? "").split(separator: ",").compactMap { entry -> String? in
            let parts = entry.split(separator: ";").map { $0.trimmingSpaces() }
            guard let type = parts.first, !type.isEmpty else { return nil }
            // `q=0` means "not this one".
            if parts.dropFirst().contains(where: { $0.filter { $0 != " " } == "q=0" }) { return nil }
            return type.lowercased()
        })
        if accepted.contains("image/avif") { return (.avif, true) }
        if accepted.contains("image/webp") { return (.webp, true) }
        return (fallback(for: source), true)
    }

    static func fallback(for source: FileType) -> TransformOptions.Format {
        switch source {
        case .png: .png
        case .webp: .webp
        case .gif: .gif
        case .avif: .avif
        default: .jpg
        }
    }
}
