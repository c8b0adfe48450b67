// Quarter turns as pixel moves, in tiles: a turn reads the source down its columns, and a tile of
// 32 × 32 pixels keeps the 32 source rows it touches in cache while its output rows are written.
#include "CImageCodecs.h"
#include <math.h>
#include <string.h>

enum { OSS_TILE = 32 };

static inline void oss_copy_pixel(uint8_t *dst, const uint8_t *src, int channels) {
    if (channels == 3) { dst[0] = src[0]; dst[1] = src[1]; dst[2] = src[2]; }
    else memcpy(dst, src, 4);
}

void oss_rotate_quarters(const uint8_t *src, int width, int height, int channels, int turns,
                         uint8_t *dst, int first_row, int rows) {
    int out_width = turns == 2 ? width : height;
    size_t c = (size_t)channels, src_stride = (size_t)width * c, dst_stride = (size_t)out_width * c;
    for (int ty = first_row; ty < first_row + rows; ty += OSS_TILE) {
        int y_end = ty + OSS_TILE < first_row + rows ? ty + OSS_TILE : first_row + rows;
        for (int tx = 0; tx < out_width; tx += OSS_TILE) {
            int x_end = tx + OSS_TILE < out_width ? tx + OSS_TILE : out_width;
            for (int oy = ty; oy < y_end; oy++) {
                uint8_t *out = dst + (size_t)oy * dst_stride;
                for (int ox = tx; ox < x_end; ox++) {
                    int sx, sy;
                    switch (turns) {
                    case 1: sx = oy; sy = height - 1 - ox; break;           // clockwise
                    case 2: sx = width - 1 - ox; sy = height - 1 - oy; break;
                    default: sx = width - 1 - oy; sy = ox; break;           // counter-clockwise
                    }
                    oss_copy_pixel(out + (size_t)ox * c, src + (size_t)sy * src_stride + (size_t)sx * c, channels);
                }
            }
        }
    }
}

static inline uint8_t oss_rotate_sample(float value) {
    float r = roundf(value);
    return (uint8_t)(r < 0 ? 0 : (r > 255 ? 255 : r));
}

// One bilinear tap of ImageKernels.rotateAnyAngle, premultiplied by the source's alpha.
static inline void oss_rotate_tap(const uint8_t *src, int width, int height, int channels, int column, int row, float weight,
                                  float *coverage, float *red, float *green, float *blue) {
    if (!(weight > 0) || column < 0 || row < 0 || column >= width || row >= height) return;
    const uint8_t *p = src + ((size_t)row * (size_t)width + (size_t)column) * (size_t)channels;
    float share = channels == 4 ? weight * (float)p[3] / 255 : weight;
    *coverage += share;
    *red += (float)p[0] * share;
    *green += (float)p[1] * share;
    *blue += (float)p[2] * share;
}

void oss_rotate_any_rows(const uint8_t *src, int source_width, int source_height, int source_channels,
                         int width, int height, int transparent, double cosine, double sine,
                         int first_row, int rows, uint8_t *dst) {
    int channels = transparent ? 4 : 3;
    double canvas_x = (double)width / 2, canvas_y = (double)height / 2;
    double source_x = (double)source_width / 2, source_y = (double)source_height / 2;
    for (int y = first_row; y < first_row + rows; y++) {
        double dy = (double)y + 0.5 - canvas_y;
        for (int x = 0; x < width; x++) {
            double dx = (double)x + 0.5 - canvas_x;
            // The inverse of the clockwise rotation, in the source's pixel-index space.
            double u = dx * cosine + dy * sine + source_x - 0.5;
            double v = -dx * sine + dy * cosine + source_y - 0.5;
            uint8_t *out = dst + ((size_t)y * (size_t)width + (size_t)x) * (size_t)channels;
            if (!(u > -1 && v > -1 && u < (double)source_width && v < (double)source_height)) {
                if (!transparent) { out[0] = 255; out[1] = 255; out[2] = 255; }
                continue;
            }
            int left = (int)floor(u), top = (int)floor(v);
            float fx = (float)(u - (double)left), fy = (float)(v - (double)top);
            float coverage = 0, red = 0, green = 0, blue = 0;
            oss_rotate_tap(src, source_width, source_height, source_channels, left, top, (1 - fx) * (1 - fy), &coverage, &red, &green, &blue);
            oss_rotate_tap(src, source_width, source_height, source_channels, left + 1, top, fx * (1 - fy), &coverage, &red, &green, &blue);
            oss_rotate_tap(src, source_width, source_height, source_channels, left, top + 1, (1 - fx) * fy, &coverage, &red, &green, &blue);
            oss_rotate_tap(src, source_width, source_height, source_channels, left + 1, top + 1, fx * fy, &coverage, &red, &green, &blue);
            if (transparent) {
                if (!(coverage > 0)) continue;
                out[0] = oss_rotate_sample(red / coverage);
                out[1] = oss_rotate_sample(green / coverage);
                out[2] = oss_rotate_sample(blue / coverage);
                out[3] = oss_rotate_sample(coverage * 255);
            } else {
                float white = (1 - coverage) * 255;
                out[0] = oss_rotate_sample(red + white);
                out[1] = oss_rotate_sample(green + white);
                out[2] = oss_rotate_sample(blue + white);
            }
        }
    }
}
