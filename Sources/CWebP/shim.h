#ifndef CWEBP_SHIM_H
#define CWEBP_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <webp/encode.h>

/* Encodes 8-bit RGB (3 bytes per pixel) or RGBA (4) pixels as one lossy WebP image with the
 * settings of libwebp's simple API (the default preset at `quality`), at `method` 0-6, and
 * no metadata. Returns the length of *out, which the caller frees with cwebp_free, or 0 when
 * libwebp refuses (bad size, out of memory); *out is then NULL. */
static inline size_t cwebp_encode_lossy(const uint8_t *pixels, int width, int height, int stride, int has_alpha,
                                        float quality, int method, uint8_t **out) {
    *out = NULL;
    WebPConfig config;
    WebPPicture picture;
    WebPMemoryWriter writer;
    if (!WebPConfigPreset(&config, WEBP_PRESET_DEFAULT, quality)) return 0;
    config.method = method;
    if (!WebPValidateConfig(&config) || !WebPPictureInit(&picture)) return 0;
    picture.width = width;
    picture.height = height;
    WebPMemoryWriterInit(&writer);
    picture.writer = WebPMemoryWrite;
    picture.custom_ptr = &writer;
    int ok = has_alpha ? WebPPictureImportRGBA(&picture, pixels, stride) : WebPPictureImportRGB(&picture, pixels, stride);
    if (ok) ok = WebPEncode(&config, &picture);
    WebPPictureFree(&picture);
    if (!ok) {
        WebPMemoryWriterClear(&writer);
        return 0;
    }
    *out = writer.mem;
    return writer.size;
}

static inline void cwebp_free(void *pointer) { WebPFree(pointer); }

#endif
