// The separable resampling passes of ImageKernels.resample, in C so that the compiler keeps the
// pixel loops free of Swift's array bookkeeping and vectorises the vertical pass (one multiply-add
// per byte of a row, across the row). The arithmetic is the Swift kernel's, operation for
// operation (float products summed in tap order, rounded half away from zero, clamped), so the
// output is byte for byte what it was.
#include "codecs_internal.h"

// No fused multiply-adds: the same bytes on every processor and in every clone.
#pragma STDC FP_CONTRACT OFF

/// `roundf` half away from zero, clamped to 0...255, without libm's call per sample (the same
/// value for every input; see oss_round_clamp_u8): the call was a tenth of a resize's time.
static inline uint8_t oss_clamp_round(float sum) {
    return oss_round_clamp_u8(sum);
}

void oss_resample_horizontal(const uint8_t *src, size_t src_stride, int rows, int channels,
                             const int32_t *starts, const int32_t *counts, const float *weights, int taps, int target,
                             uint8_t *dst, size_t dst_stride) {
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
__attribute__((target_clones("avx2", "default")))
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
