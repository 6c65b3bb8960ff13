import CVips
import MediaCore

/// Loads an image with the loader of its sniffed type, never libvips' own guess: bytes
/// that sniff as PNG only ever reach the PNG loader.
enum Loader {
    struct Options {
        /// `.sequential` streams top to bottom (one pass, little memory); `.random` is needed
        /// for rotation and crops, and decodes the whole image on first use.
        var access: VipsAccess = VIPS_ACCESS_RANDOM
        /// JPEG shrink-on-load: 1, 2, 4 or 8.
        var jpegShrink: Int = 1
        /// Frames to load from GIF and WebP (stacked vertically).
        var frames: Int = 1
    }

    /// Opens the image lazily: only the header is read until pixels are asked for.
    /// Decoding is strict (`fail_on=error`), so truncated or corrupt data fails the pipeline
    /// instead of producing a half-grey variant.
    static func load(_ source: OpenedSource, as type: FileType, options: Options = Options()) throws(ImagingError) -> VipsImageRef {
        guard Vips.decodableTypes.contains(type) else { throw .unsupportedType(type) }
        let vipsSource = try source.makeVipsSource()
        let failOn = VIPS_FAIL_ON_ERROR
        let access = options.access
        let image: UnsafeMutablePointer<VipsImage>?
        switch type {
        case .jpeg: image = cvips_jpegload_source(vipsSource.pointer, Int32(options.jpegShrink), access, failOn)
        case .png: image = cvips_pngload_source(vipsSource.pointer, access, failOn)
        case .gif: image = cvips_gifload_source(vipsSource.pointer, Int32(options.frames), access, failOn)
        case .webp: image = cvips_webpload_source(vipsSource.pointer, Int32(options.frames), access, failOn)
        case .avif, .heic: image = cvips_heifload_source(vipsSource.pointer, access, failOn)
        case .tiff: image = cvips_tiffload_source(vipsSource.pointer, access, failOn)
        default: throw .unsupportedType(type)
        }
        return try VipsImageRef.check(image, "cannot read the \(type.rawValue) header")
    }
}
