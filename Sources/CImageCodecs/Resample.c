// The separable resampling passes of ImageKernels.resample, in C so that the compiler keeps the
// pixel loops free of Swift's array bookkeeping and vectorises the vertical pass (one multiply-add
// per byte of a row, across the row). The arithmetic is the Swift kernel's, operation for
// operation (float products summed in tap order, rounded half away from zero, clamped), so the
// output is byte for byte what it was.
#include "codecs_internal.h"
#include <stdint.h>
#include <stdlib.h>


/// `roundf` half away from zero, clamped to 0...255, without libm's call per sample (the same
/// value for every input; see oss_round_clamp_u8): the call was a tenth of a resize's time.
static inline uint8_t oss_clamp_round(float sum) {
    return oss_round_clamp_u8(sum);
}

/// Three-channel rows resampled across the row: each tap k for every output pixel at once (the
/// vectorisable way round, an AVX2 clone where the processor has it), from tap-major tables of
/// byte offsets and weights in which the taps past an output's count weigh 0 and point at its first
/// pixel. Each output still sums its products in tap order from 0, and adding p × 0 = +0 leaves a
/// sum as it was (the sums are never -0), so the bytes are the per-pixel loop's.
OSS_AVX2_CLONES
static void oss_resample_horizontal_rgb(const uint8_t *restrict src, size_t src_stride, int rows, const int32_t *restrict offsets,
                                        const float *restrict weights, int taps, int target, float *restrict sums,
                                        uint8_t *restrict dst, size_t dst_stride) {
    float *restrict s0 = sums, *restrict s1 = sums + target, *restrict s2 = sums + 2 * (size_t)target;
    for (int r = 0; r < rows; r++) {
        const uint8_t *restrict in = src + (size_t)r * src_stride;
        for (int x = 0; x < target; x++) { s0[x] = 0; s1[x] = 0; s2[x] = 0; }
        for (int k = 0; k < taps; k++) {
            const int32_t *restrict o = offsets + (size_t)k * (size_t)target;
            const float *restrict w = weights + (size_t)k * (size_t)target;
            for (int x = 0; x < target; x++) {
                const uint8_t *p = in + o[x];
                s0[x] += (float)p[0] * w[x];
                s1[x] += (float)p[1] * w[x];
                s2[x] += (float)p[2] * w[x];
            }
        }
        uint8_t *restrict out = dst + (size_t)r * dst_stride;
        for (int x = 0; x < target; x++) {
            out[3 * x] = oss_clamp_round(s0[x]);
            out[3 * x + 1] = oss_clamp_round(s1[x]);
            out[3 * x + 2] = oss_clamp_round(s2[x]);
        }
    }
}

void oss_resample_horizontal(const uint8_t *src, size_t src_stride, int rows, int channels,
                             const int32_t *starts, const int32_t *counts, const float *weights, int taps, int target,
                             uint8_t *dst, size_t dst_stride) {
    if (channels == 3 && target >= 8 && taps >= 1 && rows >= 4 && (size_t)taps <= SIZE_MAX / 8 / (size_t)target) {
        size_t entries = (size_t)taps * (size_t)target;
        int32_t *offsets = malloc(entries * sizeof(int32_t));
        float *table = malloc(entries * sizeof(float));
        float *sums = malloc(3 * (size_t)target * sizeof(float));
        if (offsets && table && sums) {
            for (int x = 0; x < target; x++) {
                for (int k = 0; k < taps; k++) {
                    int used = k < counts[x];
                    offsets[(size_t)k * (size_t)target + (size_t)x] = 3 * (starts[x] + (used ? k : 0));
                    table[(size_t)k * (size_t)target + (size_t)x] = used ? weights[(size_t)x * (size_t)taps + (size_t)k] : 0.0f;
                }
            }
            oss_resample_horizontal_rgb(src, src_stride, rows, offsets, table, taps, target, sums, dst, dst_stride);
            free(offsets);
            free(table);
            free(sums);
            return;
        }
        free(offsets);
        free(table);
        free(sums);
    }
    for (int r = 0; r < rows; r++) {
        const uint8_t *in = src + (size_t)r * src_stride;
        uint8_t *out = dst + (size_t)r * dst_stride;
        if (channels == 3) {
            for (int x = 0; x < target; x++) {
                const uint8_t *p = in + (size_t)starts[x] * 3;
                const float *w = weights + (size_t)x * (size_t)taps;
                float s0 = 0, s1 = 0, s2 = 0;
                for (int k = 0; k < counts[x]; k++) {
                    s0 += (float)p[3 * k] * w[k];
                    s1 += (float)p[3 * k + 1] * w[k];
                    s2 += (float)p[3 * k + 2] * w[k];
                }
                out[3 * x] = oss_clamp_round(s0);
                out[3 * x + 1] = oss_clamp_round(s1);
                out[3 * x + 2] = oss_clamp_round(s2);
            }
        } else {
            for (int x = 0; x < target; x++) {
                const uint8_t *p = in + (size_t)starts[x] * (size_t)channels;
                const float *w = weights + (size_t)x * (size_t)taps;
                float s[4] = {0, 0, 0, 0};
                for (int k = 0; k < counts[x]; k++) {
                    for (int c = 0; c < 4; c++) s[c] += (float)p[4 * k + c] * w[k];
                }
                for (int c = 0; c < 4; c++) out[4 * x + c] = oss_clamp_round(s[c]);
            }
        }
    }
}

// Cloned for AVX2 (eight floats a vector, not SSE2's four) where the processor has it.
OSS_AVX2_CLONES
void oss_resample_vertical(const uint8_t *restrict src, size_t row_bytes, int first_output, int outputs,
                           const int32_t *starts, const int32_t *counts, const float *weights, int taps,
                           float *restrict accumulator, uint8_t *restrict dst) {
    for (int y = first_output; y < first_output + outputs; y++) {
        for (size_t i = 0; i < row_bytes; i++) accumulator[i] = 0;
        const float *w = weights + (size_t)y * (size_t)taps;
        for (int k = 0; k < counts[y]; k++) {
            const uint8_t *in = src + (size_t)(starts[y] + k) * row_bytes;
            float weight = w[k];
            for (size_t i = 0; i < row_bytes; i++) accumulator[i] += (float)in[i] * weight;
        }
        uint8_t *out = dst + (size_t)y * row_bytes;
        for (size_t i = 0; i < row_bytes; i++) out[i] = oss_clamp_round(accumulator[i]);
    }
}
