#ifndef SWIFT_OSS_CODECS_INTERNAL_H
#define SWIFT_OSS_CODECS_INTERNAL_H
// Shared by the C files of this target only.
#include "CImageCodecs.h"
#include <stdio.h>

/// Whether the caller asked the work to stop.
static inline int oss_should_stop(const oss_stop *stop) {
    return stop != NULL && stop->should_stop != NULL && stop->should_stop(stop->context) != 0;
}

/// Writes a message into a caller's OSS_CODEC_ERROR_SIZE buffer.
#define OSS_FAIL(buffer, ...) snprintf((buffer), OSS_CODEC_ERROR_SIZE, __VA_ARGS__)

/// OSS's longest side for HEIF, given to libheif too, so that a header claiming more than OSS's
/// 30,000 px is refused by libheif as well as by the Swift side, and a grid's canvas is held to it.
#define OSS_HEIF_MAX_SIDE 30000

/// JPEG's largest side (libjpeg's JPEG_MAX_DIMENSION); WebP's is 16383.
#define OSS_JPEG_MAX_SIDE 65500
#define OSS_WEBP_MAX_SIDE 16383

/// An AVX2 clone of a vectorised kernel beside its baseline (SSE2) one, the loader choosing by the
/// processor (an ifunc): on x86-64 with glibc only, and not under ThreadSanitizer, whose
/// instrumented ifunc resolver runs before its runtime exists and crashes at load.
#if defined(__x86_64__) && defined(__GLIBC__)
#define OSS_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define OSS_AVX2_CLONES
#endif
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#undef OSS_AVX2_CLONES
#define OSS_AVX2_CLONES
#endif
#endif

/// No fused multiply-adds in any C file of this target: a kernel gives the same bytes on every
/// processor and in every clone (the AVX2 clones could otherwise contract a * b + c).
#pragma STDC FP_CONTRACT OFF

/// Whether `a * b * c` fits in a size_t; stores the product when it does.
static inline int oss_size_product(size_t a, size_t b, size_t c, size_t *product) {
    if (a != 0 && b > SIZE_MAX / a) return 0;
    size_t ab = a * b;
    if (ab != 0 && c > SIZE_MAX / ab) return 0;
    *product = ab * c;
    return 1;
}

/// `roundf(value)` (half away from zero) clamped to 0...255, without a call into libm: x86-64's
/// baseline has no rounding instruction, so `roundf` is a call per sample and keeps the pixel
/// loops from vectorising. The same value as the call for every input: the clamp to [-1, 256]
/// keeps the truncation in range and changes no clamped result, and `v - t` is the exact fraction.
static inline uint8_t oss_round_clamp_u8(float value) {
    float v = value < -1.0f ? -1.0f : (value > 256.0f ? 256.0f : value);
    int t = (int)v;
    float fraction = v - (float)t;
    t += (fraction >= 0.5f) - (fraction <= -0.5f);
    return (uint8_t)(t < 0 ? 0 : (t > 255 ? 255 : t));
}

/// `floor(value)` for a value that fits an int, without libm's call.
static inline int oss_floor_int(double value) {
    int t = (int)value;
    return t - ((double)t > value);
}

/// Refuses a HEIF whose item references (grid tiles, auxiliary images) form a cycle or ask for more
/// tile decodes than any photo needs, or whose grid declares a canvas of more than
/// `max_grid_pixels`, before libheif sees it (HEIFItemReferences.c says why).
/// 0 when the file may be decoded; -1 and a message otherwise.
int oss_heif_check_references(const uint8_t *data, size_t size, uint64_t max_grid_pixels, char *message);

#endif
