import Imaging
import MediaCore

/// Makes an image's variants and stores them through the operation's write session, for
/// uploads and jobs alike.
///
/// The resized variants are stored while the full-size WebP is still being encoded on its
/// own thread, so most of the S3 time overlaps the CPU time instead of following it (the
/// `storage` stage then partly overlaps `variants` in the stage timings).
struct VariantWriter {
    let config: AppConfig
    let session: ObjectWriteSession
    let timer: StageTimer
    /// The key each variant is stored under.
    let key: (EncodedVariant) -> String

    /// Makes and stores every variant of `source`, in spec order. An image that cannot be
    /// decoded throws an `ImagingError`; a failed PUT throws after the encode ends.
    func store(_ source: ImageSource) throws -> [MediaVariant] {
        let generator = VariantGenerator(specs: config.media.variants, encoding: config.media.encoding,
                                         maxPixels: config.limits.imageMaxPixels, maxFrames: config.media.maxFrames)
        var stored: [String: MediaVariant] = [:]
        func put(_ variant: EncodedVariant) throws -> MediaVariant {
            let key = key(variant)
            try session.put(key, .bytes(variant.bytes), contentType: variant.mimeType)
            let made = MediaVariant(name: variant.name, objectKey: key, mimeType: variant.mimeType, size: variant.bytes.count,
                                    width: variant.width, height: variant.height)
            stored[variant.name] = made
            return made
        }
        var earlyFailure: Error?
        let encoded = try timer.measure("variants") {
            try generator.generate(source, waited: { timer.add("queued", seconds: $0) }, whileFullSizeEncodes: { resized in
                do {
                    for variant in resized { _ = try put(variant) }
                } catch {
                    earlyFailure = error
                }
            })
        }
        if let earlyFailure { throw earlyFailure }
        return try encoded.map { variant in try stored[variant.name] ?? put(variant) }
    }
}
