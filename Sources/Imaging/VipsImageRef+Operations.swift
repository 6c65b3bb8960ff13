import CVips

/// The pipeline steps, each returning a new (usually lazy) image.
extension VipsImageRef {
    /// Decodes now and keeps the pixels in memory: later steps may read it many times, from
    /// several threads, in any order (rotation needs that).
    func inMemory() throws(ImagingError) -> VipsImageRef {
        try .check(vips_image_copy_memory(pointer), "cannot decode the image")
    }

    /// Applies the EXIF orientation. The input must allow random access (`inMemory()`).
    func autorotated() throws(ImagingError) -> VipsImageRef {
        try .check(cvips_autorot(pointer), "cannot apply the orientation")
    }

    /// Resizes to exactly `width` × `frameHeight` per frame (frames stay stacked and
    /// "page-height" follows). Alpha is premultiplied around the resample so transparent
    /// pixels do not bleed their colour into the edges.
    func resized(width targetWidth: Int, frameHeight targetFrameHeight: Int) throws(ImagingError) -> VipsImageRef {
        let frames = loadedFrames
        guard targetWidth != width || targetFrameHeight != pageHeight else { return self }
        let hscale = Double(targetWidth) / Double(width)
        let vscale = Double(targetFrameHeight * frames) / Double(height)
        var output: VipsImageRef
        if hasAlpha {
            let format = bandFormat
            let premultiplied = try VipsImageRef.check(cvips_premultiply(pointer), "cannot premultiply alpha")
            let scaled = try VipsImageRef.check(cvips_resize(premultiplied.pointer, hscale, vscale), "cannot resize")
            let restored = try VipsImageRef.check(cvips_unpremultiply(scaled.pointer), "cannot unpremultiply alpha")
            output = try .check(cvips_cast(restored.pointer, format), "cannot cast")
        } else {
            output = try .check(cvips_resize(pointer, hscale, vscale), "cannot resize")
        }
        if frames > 1 { output = try output.withPageHeight(targetFrameHeight) }
        return output
    }

    /// A copy whose frames are `pageHeight` tall.
    func withPageHeight(_ pageHeight: Int) throws(ImagingError) -> VipsImageRef {
        let copy = try VipsImageRef.check(cvips_copy(pointer), "cannot copy")
        vips_image_set_int(copy.pointer, "page-height", Int32(pageHeight))
        return copy
    }

    /// 8-bit sRGB (or 8-bit greyscale), honouring an embedded ICC profile. CMYK without a
    /// profile goes through libvips' built-in CMYK profile. A profile libvips cannot use is
    /// ignored rather than failing the image.
    func toSRGB() throws(ImagingError) -> VipsImageRef {
        var image = self
        if hasColourProfile || interpretation == VIPS_INTERPRETATION_CMYK {
            let fallback = hasColourProfile ? nil : "cmyk"
            if let transformed = cvips_icc_to_srgb(pointer, fallback) {
                image = VipsImageRef(owning: transformed)
            } else {
                _ = VipsErrorBuffer.take()
            }
        }
        let colourBands = image.hasAlpha ? image.bands - 1 : image.bands
        let target = colourBands < 3 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB
        if image.interpretation != target || image.bandFormat != VIPS_FORMAT_UCHAR {
            image = try .check(cvips_colourspace(image.pointer, target), "cannot convert to sRGB")
        }
        return image
    }

    func extracted(left: Int, top: Int, width: Int, height: Int) throws(ImagingError) -> VipsImageRef {
        try .check(cvips_extract_area(pointer, Int32(left), Int32(top), Int32(width), Int32(height)), "cannot crop")
    }

    /// Clockwise rotation by `degrees` (0, 90, 180 or 270).
    func rotated(clockwise degrees: Int) throws(ImagingError) -> VipsImageRef {
        let angle: VipsAngle
        switch degrees {
        case 90: angle = VIPS_ANGLE_D90
        case 180: angle = VIPS_ANGLE_D180
        case 270: angle = VIPS_ANGLE_D270
        default: return self
        }
        return try .check(cvips_rot(pointer, angle), "cannot rotate")
    }

    func flattenedOnWhite() throws(ImagingError) -> VipsImageRef {
        try .check(cvips_flatten_white(pointer), "cannot flatten alpha")
    }
}
