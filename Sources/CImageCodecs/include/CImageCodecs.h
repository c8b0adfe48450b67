#ifndef SWIFT_OSS_CIMAGECODECS_H
#define SWIFT_OSS_CIMAGECODECS_H
// A thin C layer over libjpeg-turbo, libpng, libwebp and ISA-L. libjpeg reports errors by
// longjmp; the jump never leaves these functions, which return 0 on success and fill `error`.
#include <stddef.h>
#include <stdint.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <webp/decode.h>
#include <webp/encode.h>

#define OSS_CODEC_ERROR_SIZE 200

/// Reads a JPEG's size and component count without decoding pixels.
int oss_jpeg_header(const uint8_t *data, size_t size, int *width, int *height, int *components, char *error);

/// Decodes the rectangle (x, y, w, h) as RGB (channels 3) or RGBA (channels 4) into `out`
/// (w * h * channels bytes). Only the rows and iMCU columns the rectangle needs are decoded; decoding
/// stops after its last row.
int oss_jpeg_decode_region(const uint8_t *data, size_t size, int x, int y, int w, int h, int channels,
                           uint8_t *out, char *error);

/// Encodes RGB or RGBA (alpha ignored) pixels. `*out` is malloc'd; free it with free().
int oss_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality, int progressive,
                    uint8_t **out, size_t *out_size, char *error);

/// Reads a PNG's size and whether it has alpha, without decoding pixels.
int oss_png_header(const uint8_t *data, size_t size, int *width, int *height, int *has_alpha, char *error);

/// Decodes a PNG to 8-bit RGBA (channels 4) or RGB (channels 3).
int oss_png_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size, char *error);

void oss_free(void *pointer);
#ifndef SWIFT_OSS_TRANSCODE_DECLARED
#define SWIFT_OSS_TRANSCODE_DECLARED
/// JPEG to JPEG for a square region masked to row spans (the circle), streamed: one thread decodes
/// rows of the region (only the rows and iMCU columns it needs, stopping after the last one) while
/// another encodes them, through a small ring of rows, so the decoded image is never held whole.
/// Row r keeps columns [left[r], right[r]) and is white elsewhere. `*out` is malloc'd.
int oss_jpeg_masked_transcode(const uint8_t *data, size_t size, int x, int y, int side,
                              const int32_t *left, const int32_t *right, int quality, int progressive,
                              uint8_t **out, size_t *out_size, char *error);
#endif
/// The zlib stream of a PNG's IDAT: rows filtered (adaptive, libpng's heuristic scored on every
/// fourth pixel) and compressed by ISA-L, in `parts` horizontal bands, each filtered and compressed by
/// its own thread while its rows are in cache; bands are joined with full flushes and the Adler-32s
/// combined. `*out` is malloc'd. Returns 0 on success.
int oss_png_idat_parallel(const uint8_t *pixels, int width, int height, int bpp, int parts, int level,
                          uint8_t **out, size_t *out_size);

#endif
