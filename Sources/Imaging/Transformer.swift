import CVips
import MediaCore

/// The bytes of one transform's output.
public struct TransformedImage: Sendable, Equatable {
    public var format: TransformOptions.Format
    public var bytes: [UInt8]
    public var width: Int
    public var height: Int

    public var mimeType: String { format.mimeType }
}

/// Runs a `TransformPlan` on an image with libvips: shrink-on-load for JPEG, the EXIF
/// orientation, the pre-crop, the scale, the kept window (libvips' attention strategy for
/// `g:sm`), blur, sharpen, the background under alpha, the extend canvas, the rotation, then
/// the encoder. The first frame of an animation is used; metadata is always stripped.
public struct Transformer: Sendable {
    public var encoding: EncodingSettings
    public var maxSourcePixels: Int

    public init(encoding: EncodingSettings = EncodingSettings(), maxSourcePixels: Int = ImageProbe.defaultMaxPixels) {
        (self.encoding, self.maxSourcePixels) = (encoding, maxSourcePixels)
    }

    /// The displayed size of `source` (its header only), checked against the pixel limit.
    public func probe(_ source: ImageSource) throws(ImagingError) -> ImageInfo {
        Vips.ensureStarted()
        return try ImageProbe.probe(try OpenedSource(source), maxPixels: maxSourcePixels, maxFrames: 1)
    }

    public func transform(_ source: ImageSource, plan: TransformPlan, options: TransformOptions,
                          format: TransformOptions.Format, waited: (Double) -> Void = { _ in }) throws(ImagingError) -> TransformedImage {
        Vips.ensureStarted()
        return try ImagingGate.run(waited: waited) { () throws(ImagingError) in
            try run(source, plan: plan, options: options, format: format)
        }
    }

    private func run(_ source: ImageSource, plan: TransformPlan, options: TransformOptions,
                     format: TransformOptions.Format) throws(ImagingError) -> TransformedImage {
        let opened = try OpenedSource(source)
        let info = try ImageProbe.probe(opened, maxPixels: maxSourcePixels, maxFrames: 1)
        let rotates = options.autoRotate && info.orientation != 1
        let (displayedWidth, displayedHeight) = rotates ? (info.width, info.height) : (info.storedWidth, info.storedHeight)
        // libjpeg decodes at 1/2, 1/4 or 1/8 for free: the largest that still leaves enough pixels.
        let region = plan.preCrop.map { ($0.width, $0.height) } ?? (displayedWidth, displayedHeight)
        let reduction = min(Double(region.0) / Double(plan.scaledWidth), Double(region.1) / Double(plan.scaledHeight))
        let shrink = info.fileType == .jpeg ? [8, 4, 2, 1].first { Double($0) <= reduction } ?? 1 : 1
        var image = try Loader.load(opened, as: info.fileType, options: .init(access: VIPS_ACCESS_RANDOM, jpegShrink: shrink)).toSRGB()
        if rotates { image = try image.inMemory().autorotated() }
        let ratio = Double(image.width) / Double(displayedWidth)
        if let crop = plan.preCrop {
            let x = Int(Double(crop.x) * ratio), y = Int(Double(crop.y) * ratio)
            image = try image.extracted(left: x, top: y, width: max(1, min(image.width - x, Int(Double(crop.width) * ratio))),
                                        height: max(1, min(image.height - y, Int(Double(crop.height) * ratio))))
        }
        image = try image.resized(width: plan.scaledWidth, frameHeight: plan.scaledHeight)
        if let window = plan.finalCrop {
            image = plan.smartCrop
                ? try .check(cvips_smartcrop(image.pointer, Int32(window.width), Int32(window.height)), "cannot crop")
                : try image.extracted(left: window.x, top: window.y, width: window.width, height: window.height)
        }
        if options.blur > 0 { image = try .check(cvips_gaussblur(image.pointer, options.blur), "cannot blur") }
        if options.sharpen > 0 {
            image = try VipsImageRef.check(cvips_sharpen(image.pointer, options.sharpen), "cannot sharpen").toSRGB()
        }
        let background = options.background.map { $0.map(Double.init) }
        if let background, image.hasAlpha {
            image = try .check(cvips_flatten(image.pointer, background[0], background[1], background[2]), "cannot flatten alpha")
        }
        if let canvas = plan.canvas {
            // Transparent where the output keeps alpha, else the background (white by default).
            let colour = image.hasAlpha || format != .jpg && background == nil && image.bands == 4
                ? [0, 0, 0, 0] : Array((background ?? [255, 255, 255]).prefix(image.bands))
            image = try colour.withUnsafeBufferPointer { values throws(ImagingError) in
                try VipsImageRef.check(cvips_embed(image.pointer, Int32(canvas.x), Int32(canvas.y), Int32(canvas.width),
                                                   Int32(canvas.height), values.baseAddress, Int32(min(values.count, image.bands))),
                                       "cannot extend")
            }
        }
        image = try image.rotated(clockwise: plan.rotate)
        let quality = options.quality > 0 ? options.quality : nil
        let bytes: [UInt8]
        switch format {
        case .jpg: bytes = try Encoder.encode(image, as: .jpeg, settings: encoding, quality: quality)
        case .png: bytes = try Encoder.encode(image, as: .png, settings: encoding, quality: quality)
        case .webp: bytes = try Encoder.encode(image, as: .webp, settings: encoding, quality: quality)
        case .gif: bytes = try Encoder.encode(image, as: .gif, settings: encoding, quality: quality)
        case .avif: bytes = try Encoder.avif(image, quality: quality ?? Self.avifQuality)
        }
        return TransformedImage(format: format, bytes: bytes, width: image.width, height: image.height)
    }

    /// AV1 at this quality looks like JPEG at 80 for about half the bytes.
    static let avifQuality = 60
}

extension Encoder {
    static func avif(_ image: VipsImageRef, quality: Int) throws(ImagingError) -> [UInt8] {
        let input = try image.withoutMetadata()
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        let status = cvips_avifsave_buffer(input.pointer, &buffer, &length, Int32(quality), 4)
        defer { g_free(buffer) }
        guard status == 0, let buffer else { throw VipsErrorBuffer.invalidImage("cannot encode avif") }
        return [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
    }
}
