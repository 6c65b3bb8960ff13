import CVips
import MediaCore

/// The two halves of a variant job, safe to run on two threads at once.
struct VariantPipeline: Sendable {
    let source: OpenedSource
    let info: ImageInfo
    let plan: VariantPlan
    let encoding: EncodingSettings
    /// The whole image decoded once (upright, sRGB, in memory), shared by both halves.
    /// Nil for sequential JPEG, where each half decodes at the scale it needs instead.
    let decoded: VipsImageRef?

    init(source: OpenedSource, info: ImageInfo, plan: VariantPlan, encoding: EncodingSettings) throws(ImagingError) {
        self.source = source
        self.info = info
        self.plan = plan
        self.encoding = encoding
        if info.fileType == .jpeg && source.jpegFrameKind() != .progressive {
            decoded = nil
        } else {
            // No shrink-on-load for these formats: one decode instead of one per variant. A
            // progressive JPEG is entropy-decoded in full at any scale, so one full decode
            // shared by both halves costs less CPU and memory than a reduced one beside it.
            var image = try Loader.load(source, as: info.fileType, options: .init(
                access: VIPS_ACCESS_SEQUENTIAL, frames: info.decodedFrames(maxFrames: plan.maxFrames)))
            image = try image.toSRGB().inMemory()
            if info.orientation != 1 { image = try image.autorotated() }
            decoded = image
        }
    }

    /// The full-size variants (`original_webp`).
    func makeFullSize() throws(ImagingError) -> [Int: EncodedVariant] {
        var made: [Int: EncodedVariant] = [:]
        for item in plan.fullSize {
            let image = try fullImage().resized(width: item.width, frameHeight: item.height)
            made[item.index] = try encode(image, item)
        }
        return made
    }

    /// The resized variants, largest first, each derived from the smallest image already
    /// made that covers it. Identical sizes (a small source) are encoded once.
    func makeResized() throws(ImagingError) -> [Int: EncodedVariant] {
        var made: [Int: EncodedVariant] = [:]
        var images: [VipsImageRef] = []
        var encoded: [String: EncodedImage] = [:]
        for item in plan.resized.sorted(by: { $0.width * $0.height > $1.width * $1.height }) {
            let key = "\(item.width)x\(item.height).\(item.format.rawValue)"
            if let image = encoded[key] {
                made[item.index] = EncodedVariant(name: item.spec.name, image: image)
                continue
            }
            let cover = images
                .filter { $0.width >= item.width && $0.pageHeight >= item.height }
                .min { $0.width * $0.pageHeight < $1.width * $1.pageHeight }
            let image: VipsImageRef
            if let cover {
                let resized = try cover.resized(width: item.width, frameHeight: item.height)
                image = resized === cover ? cover : try resized.inMemory()
            } else {
                image = try freshImage(width: item.width, height: item.height)
            }
            images.append(image)
            let variant = try encode(image, item)
            encoded[key] = variant.image
            made[item.index] = variant
        }
        return made
    }

    private func encode(_ image: VipsImageRef, _ item: VariantPlan.Item) throws(ImagingError) -> EncodedVariant {
        let bytes = try Encoder.encode(image, as: item.format, settings: encoding)
        let frames = item.format.supportsAnimation ? image.loadedFrames : 1
        return EncodedVariant(name: item.spec.name, image: EncodedImage(
            format: item.format, bytes: bytes, width: image.width, height: image.pageHeight, frameCount: frames))
    }

    /// Upright sRGB at full size.
    private func fullImage() throws(ImagingError) -> VipsImageRef {
        if let decoded { return decoded }
        // Sequential JPEG: stream the decode straight into the encoder; rotation needs it in memory.
        var image = try Loader.load(source, as: .jpeg, options: .init(access: VIPS_ACCESS_SEQUENTIAL)).toSRGB()
        if info.orientation != 1 { image = try image.inMemory().autorotated() }
        return image
    }

    /// Upright sRGB at exactly `width`×`height`, in memory, made from the source.
    private func freshImage(width: Int, height: Int) throws(ImagingError) -> VipsImageRef {
        if let decoded {
            let resized = try decoded.resized(width: width, frameHeight: height)
            return resized === decoded ? decoded : try resized.inMemory()
        }
        // JPEG shrink-on-load, as libvips' thumbnail does it: libjpeg decodes at 1/2, 1/4 or
        // 1/8 scale while leaving at least a factor of two for the Lanczos resize, which keeps
        // the result as sharp as a full decode would.
        let storedWidth = info.swapsAxes ? height : width
        let storedHeight = info.swapsAxes ? width : height
        let shrink = min(Double(info.storedWidth) / Double(storedWidth), Double(info.storedHeight) / Double(storedHeight))
        let jpegShrink = shrink >= 16 ? 8 : shrink >= 8 ? 4 : shrink >= 4 ? 2 : 1
        var image = try Loader.load(source, as: .jpeg, options: .init(access: VIPS_ACCESS_SEQUENTIAL, jpegShrink: jpegShrink))
        image = try image.resized(width: storedWidth, frameHeight: storedHeight).toSRGB().inMemory()
        if info.orientation != 1 { image = try image.autorotated().inMemory() }
        return image
    }
}
