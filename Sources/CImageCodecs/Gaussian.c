// The separable Gaussian behind blur and sharpen (ImageKernels.gaussianRows), in C so that both
// passes vectorise across the row and rows can be banded across the cores. Each sample's
// arithmetic is the original Swift kernel's, operation for operation (the same float products
// summed in tap order from 0, rounded half away from zero and clamped), so the output is
// unchanged; only the loop order differs (a tap at a time across the whole row, not a sample at
// a time across the taps), which lets the compiler use vector lanes.
#include "codecs_internal.h"


// Cloned for AVX2 (eight floats a vector, not SSE2's four) where the processor has it.
OSS_AVX2_CLONES
void oss_gaussian_rows(const uint8_t *restrict src, int width, int height, int channels, const float *weights, int taps,
                       float amount, int first_row, int rows, float *restrict sums, uint8_t *restrict dst) {
    int radius = taps / 2;
    size_t row_bytes = (size_t)width * (size_t)channels, middle = (size_t)radius * (size_t)channels;
    size_t padded = ((size_t)width + (size_t)taps - 1) * (size_t)channels;
    float *restrict blurred = sums + padded;
    for (int y = first_row; y < first_row + rows; y++) {
        // Vertical pass into the middle of the padded row.
        float *restrict column = sums + middle;
        for (size_t i = 0; i < row_bytes; i++) column[i] = 0;
        for (int k = 0; k < taps; k++) {
            int source_row = y + k - radius;
            source_row = source_row < 0 ? 0 : (source_row > height - 1 ? height - 1 : source_row);
            const uint8_t *restrict in = src + (size_t)source_row * row_bytes;
            float weight = weights[k];
            for (size_t i = 0; i < row_bytes; i++) column[i] += (float)in[i] * weight;
        }
        // Repeat the edge pixels into the padding.
        for (int p = 0; p < radius; p++) {
            for (int c = 0; c < channels; c++) {
                sums[(size_t)p * channels + c] = sums[middle + c];
                sums[((size_t)radius + width + p) * channels + c] = sums[middle + row_bytes - channels + c];
            }
        }
        // Horizontal pass: sample i weighs sums[i + k × channels] for each tap k.
        for (size_t i = 0; i < row_bytes; i++) blurred[i] = 0;
        for (int k = 0; k < taps; k++) {
            const float *restrict in = sums + (size_t)k * (size_t)channels;
            float weight = weights[k];
            for (size_t i = 0; i < row_bytes; i++) blurred[i] += in[i] * weight;
        }
        // Combined with the original: blur (amount < 0) takes the blurred sample, sharpen adds
        // amount × (original − blurred). Alpha (the fourth channel) is the original's.
        const uint8_t *restrict original = src + (size_t)y * row_bytes;
        uint8_t *restrict out = dst + (size_t)y * row_bytes;
        if (amount < 0) {
            for (size_t i = 0; i < row_bytes; i++) out[i] = oss_round_clamp_u8(blurred[i]);
        } else {
            for (size_t i = 0; i < row_bytes; i++) {
                float value = (float)original[i];
                out[i] = oss_round_clamp_u8(value + amount * (value - blurred[i]));
            }
        }
        if (channels == 4) {
            for (size_t i = 3; i < row_bytes; i += 4) out[i] = original[i];
        }
    }
}
