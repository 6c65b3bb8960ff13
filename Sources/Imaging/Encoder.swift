import CVips
import CWebP
import MediaCore

/// Encodes an 8-bit sRGB image, stripping all metadata.
enum Encoder {
    static func encode(_ image: VipsImageRef, as format: OutputFormat, settings: EncodingSettings,
                       quality: Int? = nil) throws(ImagingError) -> [UInt8] {
        if format == .webp, let still = try stillWebP(image, quality: quality ?? settings.webpQuality, effort: settings.webpEffort) {
            return still
        }
        var input = try image.withoutMetadata()
        if format == .jpeg, input.hasAlpha { input = try input.flattenedOnWhite() }
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        let status: Int32
        switch format {
        case .jpeg:
            status = cvips_jpegsave_buffer(input.pointer, &buffer, &length, Int32(quality ?? settings.jpegQuality))
        case .png:
            status = cvips_pngsave_buffer(input.pointer, &buffer, &length, Int32(settings.pngCompression))
        case .webp:
            status = cvips_webpsave_buffer(input.pointer, &buffer, &length, Int32(quality ?? settings.webpQuality),
                                           Int32(settings.webpEffort))
        case .gif:
            status = cvips_gifsave_buffer(input.pointer, &buffer, &length)
        }
        defer { g_free(buffer) }
        // Decoding is lazy: a truncated or corrupt source fails here, while being encoded.
        guard status == 0, let buffer else { throw VipsErrorBuffer.invalidImage("cannot encode \(format.rawValue)") }
        let bytes = [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
        return format == .webp ? WebPContainer.strippingMetadata(bytes) : bytes
    }
}

extension Encoder {
    /// A single-frame 8-bit RGB(A) image encoded by libwebp itself, nil for anything else
    /// (animations, other band layouts), which libvips' saver handles.
    ///
    /// libvips 8.14's webpsave costs ~2 % more CPU than libwebp for the same image (it goes
    /// through libwebp's animation encoder even for one frame); this path is libwebp's simple
    /// API with `method` = effort, and writes no metadata at all. The pixels must be in memory:
    /// a lazy image (a sequential JPEG decode) is decoded here, where a corrupt source fails.
    static func stillWebP(_ image: VipsImageRef, quality: Int, effort: Int) throws(ImagingError) -> [UInt8]? {
        guard image.loadedFrames == 1, image.bandFormat == VIPS_FORMAT_UCHAR, image.bands == 3 || image.bands == 4 else {
            return nil
        }
        let pixels = try image.inMemory()
        guard let data = vips_image_get_data(pixels.pointer) else {
            throw VipsErrorBuffer.invalidImage("cannot decode the image")
        }
        var output: UnsafeMutablePointer<UInt8>?
        let length = cwebp_encode_lossy(data.assumingMemoryBound(to: UInt8.self), Int32(pixels.width), Int32(pixels.height),
                                        Int32(pixels.width * pixels.bands), pixels.bands == 4 ? 1 : 0, Float(quality),
                                        Int32(effort), &output)
        defer { cwebp_free(output) }
        guard length > 0, let output else { throw .invalidImage(reason: "libwebp cannot encode this image") }
        return [UInt8](UnsafeBufferPointer(start: output, count: length))
    }
}

extension VipsImageRef {
    /// Metadata that savers write. `strip` should drop it, but libvips 8.14.1's webpsave
    /// ignores `strip` (its own field is never set) and rebuilds the EXIF blob from the
    /// `exif-ifd*` fields, so every such field goes before saving.
    static let metadataPrefixes = ["exif-", "xmp-", "iptc-", "icc-profile-"]

    func withoutMetadata() throws(ImagingError) -> VipsImageRef {
        let fields = fieldNames.filter { name in Self.metadataPrefixes.contains { name.hasPrefix($0) } }
        guard !fields.isEmpty else { return self }
        let copy = try VipsImageRef.check(cvips_copy(pointer), "cannot copy")
        for field in fields { vips_image_remove(copy.pointer, field) }
        return copy
    }

    var fieldNames: [String] {
        guard let names = vips_image_get_fields(pointer) else { return [] }
        defer { g_strfreev(names) }
        var result: [String] = []
        var index = 0
        while let name = names[index] {
            result.append(String(cString: name))
            index += 1
        }
        return result
    }
}
