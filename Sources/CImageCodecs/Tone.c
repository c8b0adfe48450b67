// bright and contrast (ImageKernels.applyTable): every colour sample through one 256-entry table,
// from the source into a new image, so that no copy of the source is made first. A run of tone
// actions arrives here as one composed table, so the image is read and written once.
#include "CImageCodecs.h"

void oss_apply_table(const uint8_t *restrict src, uint8_t *restrict dst, size_t pixels, int channels, const uint8_t *restrict table) {
    if (channels == 4) {
        for (size_t i = 0; i < pixels; i++) {
            const uint8_t *p = src + i * 4;
            uint8_t *q = dst + i * 4;
            q[0] = table[p[0]];
            q[1] = table[p[1]];
            q[2] = table[p[2]];
            q[3] = p[3];
        }
    } else {
        size_t samples = pixels * (size_t)channels;
        for (size_t i = 0; i < samples; i++) dst[i] = table[src[i]];
    }
}
