import CVips
import MediaCore

/// Encodes an 8-bit sRGB image, stripping all metadata.
enum Encoder {
    static func encode(_ image: VipsImageRef, as format: OutputFormat, settings: EncodingSettings,
                       quality: Int? = nil) throws(ImagingError) -> [UInt8] {
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
