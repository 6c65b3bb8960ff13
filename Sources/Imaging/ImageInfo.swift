import MediaCore

/// What an image's header says, read without decoding any pixels.
public struct ImageInfo: Sendable, Equatable {
    /// The sniffed type.
    public var fileType: FileType
    /// One frame's size as stored in the file.
    public var storedWidth: Int
    public var storedHeight: Int
    /// EXIF orientation, 1–8 (1 when absent, and for animations, whose frames are never rotated).
    public var orientation: Int
    /// Frames (pages) in the file.
    public var pageCount: Int
    public var hasAlpha: Bool
    /// libvips' colour interpretation: `srgb`, `cmyk`, `b-w`, `rgb16`, …
    public var interpretation: String
    /// Whether an ICC profile is embedded (variants are converted from it to sRGB).
    public var hasColourProfile: Bool

    /// The displayed size (after EXIF orientation): the media object's `width`/`height`.
    public var width: Int { swapsAxes ? storedHeight : storedWidth }
    public var height: Int { swapsAxes ? storedWidth : storedHeight }

    /// Orientations 5–8 turn the image a quarter, swapping width and height.
    public var swapsAxes: Bool { orientation >= 5 && orientation <= 8 }

    /// A GIF or WebP with more than one frame: its variants stay animated.
    public var isAnimated: Bool { fileType.isAnimatedCapable && pageCount > 1 }

    /// Frames a pipeline decodes: every frame of an animation up to `maxFrames`, else one.
    public func decodedFrames(maxFrames: Int) -> Int {
        isAnimated ? max(1, min(pageCount, maxFrames)) : 1
    }

    /// Pixels a pipeline decodes: width × height × decoded frames.
    public func decodedPixels(maxFrames: Int) -> Int {
        storedWidth * storedHeight * decodedFrames(maxFrames: maxFrames)
    }
}
