// Quarter turns as pixel moves, in tiles: a turn reads the source down its columns, and a tile of
// 32 × 32 pixels keeps the 32 source rows it touches in cache while its output rows are written.
#include "CImageCodecs.h"
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
