/// An encoded image format the service writes (variants and crops).
public enum OutputFormat: String, Sendable, Hashable, CaseIterable {
    case jpeg, png, webp, gif

    public var fileType: FileType {
        switch self {
        case .jpeg: .jpeg
        case .png: .png
        case .webp: .webp
        case .gif: .gif
        }
    }

    public var mimeType: String { fileType.mimeType }
    public var fileExtension: String { fileType.fileExtension }
    public var supportsAlpha: Bool { self != .jpeg }
    public var supportsAnimation: Bool { self == .webp || self == .gif }

    /// The largest width or height the format can hold (WebP: 16383).
    public var maxDimension: Int {
        switch self {
        case .webp: 16383
        case .jpeg: 65500
        case .png, .gif: 65535
        }
    }
}

/// Encoder settings for variants and crops (configuration; defaults follow the contract).
public struct EncodingSettings: Sendable, Hashable {
    /// JPEG quality, 1–100.
    public var jpegQuality: Int
    /// WebP quality, 0–100.
    public var webpQuality: Int
    /// libwebp effort, 0 (fastest) – 6 (smallest). 4 is libwebp's default; 2 encodes about
    /// 2.5× faster for ~5% more bytes.
    public var webpEffort: Int
    /// zlib level for PNG, 0–9.
    public var pngCompression: Int

    public init(jpegQuality: Int = 80, webpQuality: Int = 80, webpEffort: Int = 4, pngCompression: Int = 6) {
        self.jpegQuality = min(max(jpegQuality, 1), 100)
        self.webpQuality = min(max(webpQuality, 0), 100)
        self.webpEffort = min(max(webpEffort, 0), 6)
        self.pngCompression = min(max(pngCompression, 0), 9)
    }
}

/// One row of the contract's variant table: a name and how the variant is sized and encoded.
public struct VariantSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Fit inside the box, never upscaled, in the source's format (see `outputFormat`).
        case fitInside(width: Int, height: Int)
        /// Full size in a fixed format (capped at the format's largest dimension).
        case fullSize(OutputFormat)
    }

    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    public static func fitInside(_ name: String, width: Int, height: Int) -> VariantSpec {
        VariantSpec(name: name, kind: .fitInside(width: width, height: height))
    }

    /// The contract's default table.
    public static let defaults: [VariantSpec] = [
        .fitInside("thumbnail", width: 245, height: 156),
        .fitInside("small", width: 500, height: 500),
        .fitInside("medium", width: 750, height: 750),
        .fitInside("large", width: 1000, height: 1000),
        VariantSpec(name: "original_webp", kind: .fullSize(.webp)),
    ]

    /// The format this variant is written in for a given source.
    /// Resized variants keep JPEG, PNG, WebP and GIF; anything else (TIFF, HEIC, AVIF, …)
    /// becomes PNG when it has alpha and JPEG otherwise. `animated` does not change the
    /// format: only GIF and WebP sources are animated, and both keep their format.
    public func outputFormat(for source: FileType, hasAlpha: Bool, animated: Bool) -> OutputFormat {
        switch kind {
        case .fullSize(let format): format
        case .fitInside: Self.resizedFormat(for: source, hasAlpha: hasAlpha)
        }
    }

    /// The source-format rule for resized variants (and the crop's default format).
    public static func resizedFormat(for source: FileType, hasAlpha: Bool) -> OutputFormat {
        switch source {
        case .jpeg: .jpeg
        case .png: .png
        case .webp: .webp
        case .gif: .gif
        default: hasAlpha ? .png : .jpeg
        }
    }

    /// The variant's size for a source of `width`×`height` (displayed, after EXIF orientation).
    public func targetSize(width: Int, height: Int, format: OutputFormat) -> (width: Int, height: Int) {
        switch kind {
        case .fitInside(let boxWidth, let boxHeight):
            Self.fitInside(width: width, height: height, boxWidth: boxWidth, boxHeight: boxHeight)
        case .fullSize:
            Self.fitInside(width: width, height: height, boxWidth: format.maxDimension, boxHeight: format.maxDimension)
        }
    }

    /// The largest size with the source's aspect ratio that fits inside the box, never larger
    /// than the source. Rounds as libvips' thumbnail does: one shrink factor (the larger of the
    /// two axes' ratios, at least 1), each side rounded half up, at least 1 px.
    public static func fitInside(width: Int, height: Int, boxWidth: Int, boxHeight: Int) -> (width: Int, height: Int) {
        guard width > 0, height > 0, boxWidth > 0, boxHeight > 0 else { return (max(width, 0), max(height, 0)) }
        let shrink = max(Double(width) / Double(boxWidth), Double(height) / Double(boxHeight), 1)
        if shrink == 1 { return (width, height) }
        func scaled(_ side: Int) -> Int { max(1, Int((Double(side) / shrink + 0.5).rounded(.down))) }
        return (scaled(width), scaled(height))
    }

    /// The variant's object key: `{folder}/{name}.{ext}`, `folder` being `{orgSlug}/{id}`.
    public func objectKey(folder: String, format: OutputFormat) -> String {
        "\(folder)/\(name).\(format.fileExtension)"
    }
}
