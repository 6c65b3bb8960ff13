#ifndef CVIPS_SHIM_H
#define CVIPS_SHIM_H
#include <vips/vips.h>

/* Swift cannot call C varargs, so every vips_*(…, NULL) call the service makes has one
 * non-variadic wrapper here. Each returns a new reference (or 0 / non-NULL on success) and
 * leaves libvips' error buffer set on failure. */

/* VIPS_INIT is a macro that also checks the ABI of the headers against the library. */
static inline int cvips_init(const char *argv0) { return VIPS_INIT(argv0); }

/* VipsBlob is a VipsArea underneath; VIPS_AREA is a macro Swift cannot use. */
static inline void cvips_blob_unref(VipsBlob *blob) { vips_area_unref(VIPS_AREA(blob)); }

/* ---- Loaders: one per format, all from a VipsSource (file or memory alike). ---- */

/* JPEG with shrink-on-load (1, 2, 4 or 8): libjpeg decodes at the reduced scale. */
static inline VipsImage *cvips_jpegload_source(VipsSource *source, int shrink, VipsAccess access, VipsFailOn fail_on) {
    VipsImage *out = NULL;
    if (vips_jpegload_source(source, &out, "shrink", shrink, "access", access, "fail_on", fail_on, NULL)) return NULL;
    return out;
}

/* PNG has no shrink-on-load or pages. */
static inline VipsImage *cvips_pngload_source(VipsSource *source, VipsAccess access, VipsFailOn fail_on) {
    VipsImage *out = NULL;
    if (vips_pngload_source(source, &out, "access", access, "fail_on", fail_on, NULL)) return NULL;
    return out;
}

/* GIF: n frames stacked vertically ("page-height" gives one frame's height). */
static inline VipsImage *cvips_gifload_source(VipsSource *source, int n, VipsAccess access, VipsFailOn fail_on) {
    VipsImage *out = NULL;
    if (vips_gifload_source(source, &out, "n", n, "access", access, "fail_on", fail_on, NULL)) return NULL;
    return out;
}

/* WebP: n frames stacked vertically, like GIF. */
static inline VipsImage *cvips_webpload_source(VipsSource *source, int n, VipsAccess access, VipsFailOn fail_on) {
    VipsImage *out = NULL;
    if (vips_webpload_source(source, &out, "n", n, "access", access, "fail_on", fail_on, NULL)) return NULL;
    return out;
}

/* HEIF/AVIF: the primary image only (libheif applies its own rotation boxes). */
static inline VipsImage *cvips_heifload_source(VipsSource *source, VipsAccess access, VipsFailOn fail_on) {
    VipsImage *out = NULL;
    if (vips_heifload_source(source, &out, "access", access, "fail_on", fail_on, NULL)) return NULL;
    return out;
}

/* TIFF: the first page only. */
static inline VipsImage *cvips_tiffload_source(VipsSource *source, VipsAccess access, VipsFailOn fail_on) {
    VipsImage *out = NULL;
    if (vips_tiffload_source(source, &out, "access", access, "fail_on", fail_on, NULL)) return NULL;
    return out;
}

/* ---- Operations ---- */

/* Applies the EXIF orientation and removes the tag. Needs random access to its input. */
static inline VipsImage *cvips_autorot(VipsImage *in) {
    VipsImage *out = NULL;
    if (vips_autorot(in, &out, NULL)) return NULL;
    return out;
}

/* Lanczos3 resize with separate axis scales, so both output sides hit their target exactly. */
static inline VipsImage *cvips_resize(VipsImage *in, double hscale, double vscale) {
    VipsImage *out = NULL;
    if (vips_resize(in, &out, hscale, "vscale", vscale, NULL)) return NULL;
    return out;
}

/* Integer box shrink: a cheap first step before resize on large decoded images. */
static inline VipsImage *cvips_shrink(VipsImage *in, double hshrink, double vshrink) {
    VipsImage *out = NULL;
    if (vips_shrink(in, &out, hshrink, vshrink, NULL)) return NULL;
    return out;
}

/* Alpha must be premultiplied before resampling, or transparent pixels bleed colour. */
static inline VipsImage *cvips_premultiply(VipsImage *in) {
    VipsImage *out = NULL;
    if (vips_premultiply(in, &out, NULL)) return NULL;
    return out;
}

/* Undoes cvips_premultiply (the result is float; cast back afterwards). */
static inline VipsImage *cvips_unpremultiply(VipsImage *in) {
    VipsImage *out = NULL;
    if (vips_unpremultiply(in, &out, NULL)) return NULL;
    return out;
}

/* Back to the band format the image had before premultiplying. */
static inline VipsImage *cvips_cast(VipsImage *in, VipsBandFormat format) {
    VipsImage *out = NULL;
    if (vips_cast(in, &out, format, NULL)) return NULL;
    return out;
}

/* Honours the embedded ICC profile (or input_profile, e.g. "cmyk", when there is none). */
static inline VipsImage *cvips_icc_to_srgb(VipsImage *in, const char *input_profile) {
    VipsImage *out = NULL;
    int failed = input_profile
        ? vips_icc_transform(in, &out, "srgb", "embedded", TRUE, "input_profile", input_profile,
                             "intent", VIPS_INTENT_PERCEPTUAL, NULL)
        : vips_icc_transform(in, &out, "srgb", "embedded", TRUE, "intent", VIPS_INTENT_PERCEPTUAL, NULL);
    return failed ? NULL : out;
}

/* Colourspace conversion without profiles (16-bit to 8-bit, LAB, etc. to sRGB or B_W). */
static inline VipsImage *cvips_colourspace(VipsImage *in, VipsInterpretation space) {
    VipsImage *out = NULL;
    if (vips_colourspace(in, &out, space, NULL)) return NULL;
    return out;
}

/* A copy whose metadata may be changed (images are shared and immutable otherwise). */
static inline VipsImage *cvips_copy(VipsImage *in) {
    VipsImage *out = NULL;
    if (vips_copy(in, &out, NULL)) return NULL;
    return out;
}

/* The crop rectangle. */
static inline VipsImage *cvips_extract_area(VipsImage *in, int left, int top, int width, int height) {
    VipsImage *out = NULL;
    if (vips_extract_area(in, &out, left, top, width, height, NULL)) return NULL;
    return out;
}

/* Clockwise rotation by a multiple of 90°. */
static inline VipsImage *cvips_rot(VipsImage *in, VipsAngle angle) {
    VipsImage *out = NULL;
    if (vips_rot(in, &out, angle, NULL)) return NULL;
    return out;
}

/* JPEG has no alpha: composite over white first. */
static inline VipsImage *cvips_flatten_white(VipsImage *in) {
    VipsImage *out = NULL;
    double white[3] = {255.0, 255.0, 255.0};
    VipsArrayDouble *background = vips_array_double_new(white, 3);
    int failed = vips_flatten(in, &out, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    return failed ? NULL : out;
}

/* Any background colour under alpha (transforms' `background`). */
static inline VipsImage *cvips_flatten(VipsImage *in, double red, double green, double blue) {
    VipsImage *out = NULL;
    double colour[3] = {red, green, blue};
    VipsArrayDouble *background = vips_array_double_new(colour, 3);
    int failed = vips_flatten(in, &out, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    return failed ? NULL : out;
}

/* The image placed at (x, y) on a width×height canvas of `background` (transforms' extend). */
static inline VipsImage *cvips_embed(VipsImage *in, int x, int y, int width, int height, const double *background, int bands) {
    VipsImage *out = NULL;
    VipsArrayDouble *colour = vips_array_double_new(background, bands);
    int failed = vips_embed(in, &out, x, y, width, height, "extend", VIPS_EXTEND_BACKGROUND, "background", colour, NULL);
    vips_area_unref(VIPS_AREA(colour));
    return failed ? NULL : out;
}

/* A width×height window of the most "interesting" part (libvips' attention strategy). */
static inline VipsImage *cvips_smartcrop(VipsImage *in, int width, int height) {
    VipsImage *out = NULL;
    if (vips_smartcrop(in, &out, width, height, "interesting", VIPS_INTERESTING_ATTENTION, NULL)) return NULL;
    return out;
}

static inline VipsImage *cvips_gaussblur(VipsImage *in, double sigma) {
    VipsImage *out = NULL;
    if (vips_gaussblur(in, &out, sigma, NULL)) return NULL;
    return out;
}

/* Unsharp masking in LAB, as imgproxy's `sharpen` does. */
static inline VipsImage *cvips_sharpen(VipsImage *in, double sigma) {
    VipsImage *out = NULL;
    if (vips_sharpen(in, &out, "sigma", sigma, NULL)) return NULL;
    return out;
}

/* ---- Savers: all strip metadata (EXIF, GPS, XMP, IPTC, and the profile once in sRGB). ---- */

/* Optimised Huffman tables cost little at variant sizes and save a few percent. */
static inline int cvips_jpegsave_buffer(VipsImage *in, void **buf, size_t *len, int quality) {
    return vips_jpegsave_buffer(in, buf, len, "Q", quality, "optimize_coding", TRUE, "strip", TRUE, NULL);
}

/* Adaptive row filters: libvips' default (none) writes noticeably larger files. */
static inline int cvips_pngsave_buffer(VipsImage *in, void **buf, size_t *len, int compression) {
    return vips_pngsave_buffer(in, buf, len, "compression", compression,
                               "filter", VIPS_FOREIGN_PNG_FILTER_ALL, "strip", TRUE, NULL);
}

/* Lossy WebP; multi-page images ("page-height") become animated WebP. */
static inline int cvips_webpsave_buffer(VipsImage *in, void **buf, size_t *len, int quality, int effort) {
    return vips_webpsave_buffer(in, buf, len, "Q", quality, "effort", effort, "strip", TRUE, NULL);
}

/* AVIF: AV1 in HEIF through libheif's encoder; effort 0 (fastest) to 9. */
static inline int cvips_avifsave_buffer(VipsImage *in, void **buf, size_t *len, int quality, int effort) {
    return vips_heifsave_buffer(in, buf, len, "Q", quality, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
                                "effort", effort, "strip", TRUE, NULL);
}

/* GIF via cgif; multi-page images become animated GIF. */
static inline int cvips_gifsave_buffer(VipsImage *in, void **buf, size_t *len) {
    return vips_gifsave_buffer(in, buf, len, "strip", TRUE, NULL);
}

/* ---- Memory ---- */

#if defined(__GLIBC__)
#include <malloc.h>
/* Hands free heap pages back to the kernel (glibc keeps them after a burst otherwise). */
static inline int cvips_malloc_trim(void) { return malloc_trim(0); }
#else
static inline int cvips_malloc_trim(void) { return 0; }
#endif

/* ---- Inspection (tests and diagnostics) ---- */

/* One pixel's band values; used by tests to check colours and alpha of the output. */
static inline int cvips_getpoint(VipsImage *in, int x, int y, double *values, int capacity) {
    double *vector = NULL;
    int n = 0;
    if (vips_getpoint(in, &vector, &n, x, y, NULL)) return -1;
    int count = n < capacity ? n : capacity;
    for (int i = 0; i < count; i++) values[i] = vector[i];
    g_free(vector);
    return count;
}

/* libvips' own choice of loader, unrestricted by type: tests use it to prove that the
 * loader policy blocks SVG and PDF inside libvips too. Production code loads by sniffed type. */
static inline VipsImage *cvips_image_new_from_source(VipsSource *source) {
    return vips_image_new_from_source(source, "", NULL);
}

#endif
