import CVips
import MediaCore

/// A clockwise rotation applied after cropping.
public enum CropRotation: Int, Sendable, CaseIterable {
    case none = 0, clockwise90 = 90, clockwise180 = 180, clockwise270 = 270
}

/// Crops an image (the `POST /crop` operation): crop, then rotate clockwise, then scale,
/// then encode. Coordinates are in the displayed (EXIF-oriented) image; the first frame of
/// an animation is used.
public struct ImageCropper: Sendable {
    public var encoding: EncodingSettings
    public var maxPixels: Int

    public init(encoding: EncodingSettings = EncodingSettings(), maxPixels: Int = ImageProbe.defaultMaxPixels) {
        self.encoding = encoding
        self.maxPixels = maxPixels
    }

    /// - Parameters:
    ///   - x, y, width, height: the rectangle, which must lie inside the displayed image.
    ///   - scale: 0 < scale ≤ 1, applied after rotation (each side rounded, at least 1 px).
    ///   - quality: JPEG/WebP quality 1–100 (nil: the configured one).
    ///   - format: nil keeps the source's format by the variant rule (JPEG, PNG and WebP stay;
    ///     others become PNG with alpha, else JPEG).
    /// - Throws: `.invalidCrop` for a rectangle outside the image or an out-of-range scale or
    ///   quality, plus the errors of `ImageProbe` and `.invalidImage` for undecodable data.
    public func crop(_ source: ImageSource, x: Int, y: Int, width: Int, height: Int,
                     rotate: CropRotation = .none, scale: Double = 1, quality: Int? = nil,
                     format: OutputFormat? = nil) throws(ImagingError) -> EncodedImage {
        guard scale > 0, scale <= 1, scale.isFinite else { throw .invalidCrop(reason: "scale must be in (0, 1]") }
        if let quality, !(1...100).contains(quality) { throw .invalidCrop(reason: "quality must be 1–100") }
        Vips.ensureStarted()
        return try ImagingGate.run { () throws(ImagingError) in
            try cropNow(source, x: x, y: y, width: width, height: height, rotate: rotate, scale: scale,
                        quality: quality, format: format)
        }
    }

    private func cropNow(_ source: ImageSource, x: Int, y: Int, width: Int, height: Int, rotate: CropRotation,
                         scale: Double, quality: Int?, format: OutputFormat?) throws(ImagingError) -> EncodedImage {
        let opened = try OpenedSource(source)
        let info = try ImageProbe.probe(opened, maxPixels: maxPixels, maxFrames: 1)
        guard width > 0, height > 0, x >= 0, y >= 0, x <= info.width - width, y <= info.height - height else {
            throw .invalidCrop(reason: "the rectangle \(width)x\(height)+\(x)+\(y) is outside the \(info.width)x\(info.height) image")
        }
        let output = format ?? VariantSpec.resizedFormat(for: info.fileType, hasAlpha: info.hasAlpha)

        var image = try Loader.load(opened, as: info.fileType, options: .init(access: VIPS_ACCESS_SEQUENTIAL)).toSRGB()
        // Rotation and a crop box in the middle both need random access: decode once.
        image = try image.inMemory()
        if info.orientation != 1 { image = try image.autorotated() }
        image = try image.extracted(left: x, top: y, width: width, height: height)
        image = try image.rotated(clockwise: rotate.rawValue)
        if scale < 1 {
            let scaledWidth = max(1, Int((Double(image.width) * scale + 0.5).rounded(.down)))
            let scaledHeight = max(1, Int((Double(image.height) * scale + 0.5).rounded(.down)))
            image = try image.resized(width: scaledWidth, frameHeight: scaledHeight)
        }
        let bytes = try Encoder.encode(image, as: output, settings: encoding, quality: quality)
        return EncodedImage(format: output, bytes: bytes, width: image.width, height: image.height, frameCount: 1)
    }
}
