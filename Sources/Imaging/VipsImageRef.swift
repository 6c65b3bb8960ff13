import CVips

/// Owns one reference to a `VipsImage` and drops it in `deinit`.
///
/// `@unchecked Sendable` is safe: a built VipsImage is never mutated here (metadata changes
/// go to a fresh `vips_copy`), libvips lets any number of threads read one image at once,
/// and GObject reference counting is atomic.
final class VipsImageRef: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<VipsImage>

    init(owning pointer: UnsafeMutablePointer<VipsImage>) {
        self.pointer = pointer
    }

    /// Wraps an operation's result, turning NULL into `.invalidImage` with libvips' message.
    static func check(_ pointer: UnsafeMutablePointer<VipsImage>?, _ context: String) throws(ImagingError) -> VipsImageRef {
        guard let pointer else { throw VipsErrorBuffer.invalidImage(context) }
        return VipsImageRef(owning: pointer)
    }

    deinit { g_object_unref(pointer) }

    var width: Int { Int(vips_image_get_width(pointer)) }
    /// The whole height: all frames of a multi-page image stacked.
    var height: Int { Int(vips_image_get_height(pointer)) }
    var bands: Int { Int(vips_image_get_bands(pointer)) }
    var bandFormat: VipsBandFormat { vips_image_get_format(pointer) }
    var interpretation: VipsInterpretation { vips_image_get_interpretation(pointer) }
    var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }
    var orientation: Int { Int(vips_image_get_orientation(pointer)) }
    /// Frames in the file (not only those loaded).
    var pageCountInFile: Int { Int(vips_image_get_n_pages(pointer)) }
    /// One frame's height (the whole height for single-frame images).
    var pageHeight: Int { Int(vips_image_get_page_height(pointer)) }
    var loadedFrames: Int { max(1, height / max(1, pageHeight)) }

    func has(_ field: String) -> Bool { vips_image_get_typeof(pointer, field) != 0 }
    var hasColourProfile: Bool { has("icc-profile-data") }

    var interpretationName: String {
        guard let name = vips_enum_nick(vips_interpretation_get_type(), Int32(interpretation.rawValue)) else { return "unknown" }
        return String(cString: name)
    }
}

extension VipsImageRef {
    /// The band values of one pixel (tests check colours and alpha with it).
    func pixel(x: Int, y: Int) throws(ImagingError) -> [Double] {
        var values = [Double](repeating: 0, count: 8)
        let count = cvips_getpoint(pointer, Int32(x), Int32(y), &values, Int32(values.count))
        guard count >= 0 else { throw VipsErrorBuffer.invalidImage("cannot read pixel") }
        return Array(values.prefix(Int(count)))
    }

    /// Loads with libvips' own loader choice, bypassing the sniffed type (tests use it to
    /// show the loader policy holds inside libvips as well).
    static func loadWithAnyLoader(_ source: OpenedSource) throws(ImagingError) -> VipsImageRef {
        let vipsSource = try source.makeVipsSource()
        return try .check(cvips_image_new_from_source(vipsSource.pointer), "libvips refused the data")
    }
}
