import CVips
import MediaCore

/// Makes the contract's variants of one image.
///
/// The job is shaped for speed: the full-size encode (`original_webp`, most of the time)
/// runs on a thread of its own while the resized variants are made on the caller's thread.
/// Resized variants start from a sequential JPEG decoded at reduced scale (shrink-on-load)
/// or, for progressive JPEG and other formats, from the one full decode both threads share
/// (see `JPEGFrameKind`); each smaller size is then
/// derived from the smallest already-made one that covers it.
public struct VariantGenerator: Sendable {
    public var specs: [VariantSpec]
    public var encoding: EncodingSettings
    public var maxPixels: Int
    /// Frames of an animation kept in its variants (later frames are dropped).
    public var maxFrames: Int

    public init(specs: [VariantSpec] = VariantSpec.defaults, encoding: EncodingSettings = EncodingSettings(),
                maxPixels: Int = ImageProbe.defaultMaxPixels, maxFrames: Int = ImageProbe.defaultMaxFrames) {
        self.specs = specs
        self.encoding = encoding
        self.maxPixels = maxPixels
        self.maxFrames = maxFrames
    }

    /// Encodes every spec's variant of `source`, in `specs` order: EXIF orientation applied,
    /// converted to sRGB, metadata stripped, never upscaled, alpha and animation kept where
    /// the output format allows. Throws `.unsupportedType`, `.tooManyPixels` (checked on the
    /// header, before decoding) or `.invalidImage` (corrupt or truncated data).
    /// `waited` learns how long the job queued behind others (`ImagingGate`), in seconds.
    /// `whileFullSizeEncodes` is handed the resized variants (in spec order) on the caller's
    /// thread as soon as they are made, while the full-size encode still runs on its own: the
    /// caller can store them meanwhile. It is not called when there is nothing to overlap.
    public func generate(_ source: ImageSource, waited: (Double) -> Void = { _ in },
                         whileFullSizeEncodes: ([EncodedVariant]) -> Void = { _ in }) throws(ImagingError) -> [EncodedVariant] {
        Vips.ensureStarted()
        return try ImagingGate.run(waited: waited) { () throws(ImagingError) in
            try generateNow(source, whileFullSizeEncodes: whileFullSizeEncodes)
        }
    }

    private func generateNow(_ source: ImageSource,
                             whileFullSizeEncodes: ([EncodedVariant]) -> Void) throws(ImagingError) -> [EncodedVariant] {
        let opened = try OpenedSource(source)
        let info = try ImageProbe.probe(opened, maxPixels: maxPixels, maxFrames: maxFrames)
        let plan = VariantPlan(specs: specs, info: info, maxFrames: maxFrames)
        let pipeline = try VariantPipeline(source: opened, info: info, plan: plan, encoding: encoding)

        var fullSize: BackgroundThread<[Int: EncodedVariant]>?
        var fullSizeResult: Result<[Int: EncodedVariant], ImagingError>?
        if !plan.fullSize.isEmpty {
            if plan.resized.isEmpty {
                fullSizeResult = Result { () throws(ImagingError) in try pipeline.makeFullSize() }
            } else {
                fullSize = BackgroundThread { Result { () throws(ImagingError) in try pipeline.makeFullSize() } }
            }
        }
        let resizedResult = Result { () throws(ImagingError) in try pipeline.makeResized() }
        if let fullSize {
            if case .success(let resized) = resizedResult {
                whileFullSizeEncodes(plan.all.compactMap { resized[$0.index] })
            }
            fullSizeResult = fullSize.wait()
        }

        var byIndex = try resizedResult.get()
        if let fullSizeResult { byIndex.merge(try fullSizeResult.get()) { first, _ in first } }
        return plan.all.map { byIndex[$0.index]! }
    }
}

/// What to make: each spec with its output format and target size (displayed orientation).
struct VariantPlan: Sendable {
    struct Item: Sendable {
        var index: Int
        var spec: VariantSpec
        var format: OutputFormat
        var width: Int
        var height: Int
    }

    let all: [Item]
    let maxFrames: Int
    var fullSize: [Item] { all.filter { if case .fullSize = $0.spec.kind { true } else { false } } }
    var resized: [Item] { all.filter { if case .fitInside = $0.spec.kind { true } else { false } } }

    init(specs: [VariantSpec], info: ImageInfo, maxFrames: Int) {
        self.maxFrames = maxFrames
        all = specs.enumerated().map { index, spec in
            let format = spec.outputFormat(for: info.fileType, hasAlpha: info.hasAlpha, animated: info.isAnimated)
            let size = spec.targetSize(width: info.width, height: info.height, format: format)
            return Item(index: index, spec: spec, format: format, width: size.width, height: size.height)
        }
    }
}
