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

/// JPEG's largest side (libjpeg's JPEG_MAX_DIMENSION); WebP's is 16383.
#define OSS_JPEG_MAX_SIDE 65500
#define OSS_WEBP_MAX_SIDE 16383

/// Whether `a * b * c` fits in a size_t; stores the product when it does.
static inline int oss_size_product(size_t a, size_t b, size_t c, size_t *product) {
    if (a != 0 && b > SIZE_MAX / a) return 0;
    size_t ab = a * b;
    if (ab != 0 && c > SIZE_MAX / ab) return 0;
    *product = ab * c;
    return 1;
}

#endif
