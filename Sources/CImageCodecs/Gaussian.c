// The separable Gaussian behind blur and sharpen (ImageKernels.gaussianRows), in C so that the
// vertical pass vectorises across the row and rows can be banded across the cores. Operation
// for operation the Swift kernel's arithmetic: the same float sums in the same order, rounded
// half away from zero and clamped, so the output is unchanged.
#include "CImageCodecs.h"
#include <math.h>

static inline uint8_t oss_gaussian_clamp(float value) {
    float r = roundf(value);
    return (uint8_t)(r < 0 ? 0 : (r > 255 ? 255 : r));
}

void oss_gaussian_rows(const uint8_t *restrict src, int width, int height, int channels, const float *weights, int taps,
                       float amount, int first_row, int rows, float *restrict sums, uint8_t *restrict dst) {
    int radius = taps / 2;
    size_t row_bytes = (size_t)width * (size_t)channels, middle = (size_t)radius * (size_t)channels;
    int colour = channels < 3 ? channels : 3;
    for (int y = first_row; y < first_row + rows; y++) {
        // Vertical pass into the middle of the padded row.
        for (size_t i = 0; i < row_bytes; i++) sums[middle + i] = 0;
        for (int k = 0; k < taps; k++) {
            int source_row = y + k - radius;
            source_row = source_row < 0 ? 0 : (source_row > height - 1 ? height - 1 : source_row);
            const uint8_t *in = src + (size_t)source_row * row_bytes;
            float weight = weights[k];
            float *out = sums + middle;
            for (size_t i = 0; i < row_bytes; i++) out[i] += (float)in[i] * weight;
        }
        // Repeat the edge pixels into the padding.
        for (int p = 0; p < radius; p++) {
            for (int c = 0; c < channels; c++) {
                sums[(size_t)p * channels + c] = sums[middle + c];
                sums[((size_t)radius + width + p) * channels + c] = sums[middle + row_bytes - channels + c];
            }
        }
        // Horizontal pass, combined with the original: blur (amount < 0) takes the blurred
        // sample, sharpen adds amount × (original − blurred).
        const uint8_t *original = src + (size_t)y * row_bytes;
        uint8_t *out = dst + (size_t)y * row_bytes;
        for (int x = 0; x < width; x++) {
            size_t pixel = (size_t)x * channels;
            for (int c = 0; c < colour; c++) {
                float blurred = 0;
                size_t at = pixel + c;
                for (int k = 0; k < taps; k++) {
                    blurred += sums[at] * weights[k];
                    at += (size_t)channels;
                }
                float value = (float)original[pixel + c];
                out[pixel + c] = oss_gaussian_clamp(amount < 0 ? blurred : value + amount * (value - blurred));
            }
            if (channels == 4) out[pixel + 3] = original[pixel + 3];
        }
    }
}
