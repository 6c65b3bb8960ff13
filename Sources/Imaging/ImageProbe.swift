import CVips
import MediaCore

/// Reads an image's header (no pixel decode) and enforces the pixel limit, so that a
/// decompression bomb — a few KB declaring 64250×64250 — is refused before any allocation.
public enum ImageProbe {
    /// The contract's default limit (`IMAGE_MAX_PIXELS`).
    public static let defaultMaxPixels = 50_000_000
    /// Frames of an animation decoded at most (later frames are dropped from variants).
    public static let defaultMaxFrames = 100

    /// Probes a file. Throws `.unsupportedType` unless its sniffed type is a decodable
    /// image, `.invalidImage` for an unreadable header, `.tooManyPixels` above `maxPixels`
    /// (counting width × height × min(frames, `maxFrames`)).
    public static func probe(path: String, maxPixels: Int = defaultMaxPixels,
                             maxFrames: Int = defaultMaxFrames) throws(ImagingError) -> ImageInfo {
        try probe(.file(path: path), maxPixels: maxPixels, maxFrames: maxFrames)
    }

    /// Probes bytes in memory; see `probe(path:maxPixels:maxFrames:)`.
    public static func probe(bytes: [UInt8], maxPixels: Int = defaultMaxPixels,
                             maxFrames: Int = defaultMaxFrames) throws(ImagingError) -> ImageInfo {
        try probe(.bytes(bytes), maxPixels: maxPixels, maxFrames: maxFrames)
    }

    public static func probe(_ source: ImageSource, maxPixels: Int = defaultMaxPixels,
                             maxFrames: Int = defaultMaxFrames) throws(ImagingError) -> ImageInfo {
        Vips.ensureStarted()
        return try probe(OpenedSource(source), maxPixels: maxPixels, maxFrames: maxFrames)
    }

    static func probe(_ source: OpenedSource, maxPixels: Int, maxFrames: Int) throws(ImagingError) -> ImageInfo {
        let type = FileType.sniff(source.prefix)
        guard type.isImage, Vips.decodableTypes.contains(type) else { throw .unsupportedType(type) }
        let header = try Loader.load(source, as: type)
        let info = ImageInfo(
            fileType: type,
            storedWidth: header.width,
            storedHeight: header.pageHeight,
            orientation: type.isAnimatedCapable && header.pageCountInFile > 1 ? 1 : min(max(header.orientation, 1), 8),
            pageCount: max(1, header.pageCountInFile),
            hasAlpha: header.hasAlpha,
            interpretation: header.interpretationName,
            hasColourProfile: header.hasColourProfile)
        guard info.storedWidth > 0, info.storedHeight > 0 else {
            throw .invalidImage(reason: "the header declares an empty image")
        }
        let pixels = info.decodedPixels(maxFrames: maxFrames)
        guard pixels <= maxPixels else { throw .tooManyPixels(pixels: pixels, limit: maxPixels) }
        return info
    }
}
