// Quarter turns as pixel moves, in tiles: a turn reads the source down its columns, and a tile of
// 32 × 32 pixels keeps the 32 source rows it touches in cache while its output rows are written.
// Along an output row the source pixel moves by a fixed step (down or up a source row, or back a
// pixel), so the inner loop is a strided copy with no index arithmetic per pixel.
#include "codecs_internal.h"
#include <string.h>


enum { OSS_TILE = 32 };

void oss_rotate_quarters(const uint8_t *src, int width, int height, int channels, int turns,
                         uint8_t *dst, int first_row, int rows) {
    int out_width = turns == 2 ? width : height;
    size_t c = (size_t)channels, src_stride = (size_t)width * c, dst_stride = (size_t)out_width * c;
    // The source pixel of output (ox, oy) is first(oy) + ox × step.
    ptrdiff_t step;
    switch (turns) {
    case 1: step = -(ptrdiff_t)src_stride; break;   // clockwise: sx = oy, sy = height - 1 - ox
    case 2: step = -(ptrdiff_t)c; break;            // sx = width - 1 - ox, sy = height - 1 - oy
    default: step = (ptrdiff_t)src_stride; break;   // counter-clockwise: sx = width - 1 - oy, sy = ox
    }
    for (int ty = first_row; ty < first_row + rows; ty += OSS_TILE) {
        int y_end = ty + OSS_TILE < first_row + rows ? ty + OSS_TILE : first_row + rows;
        for (int tx = 0; tx < out_width; tx += OSS_TILE) {
            int x_end = tx + OSS_TILE < out_width ? tx + OSS_TILE : out_width;
            for (int oy = ty; oy < y_end; oy++) {
                const uint8_t *first;
                switch (turns) {
                case 1: first = src + (size_t)(height - 1) * src_stride + (size_t)oy * c; break;
                case 2: first = src + (size_t)(height - 1 - oy) * src_stride + (size_t)(width - 1) * c; break;
                default: first = src + (size_t)(width - 1 - oy) * c; break;
                }
                const uint8_t *in = first + (ptrdiff_t)tx * step;
                uint8_t *out = dst + (size_t)oy * dst_stride + (size_t)tx * c;
                int count = x_end - tx;
                if (channels == 3) {
                    for (int i = 0; i < count; i++, in += step, out += 3) { out[0] = in[0]; out[1] = in[1]; out[2] = in[2]; }
                } else {
                    for (int i = 0; i < count; i++, in += step, out += 4) memcpy(out, in, 4);
                }
            }
        }
    }
}

static inline uint8_t oss_rotate_sample(float value) { return oss_round_clamp_u8(value); }

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

/// The source point, in pixel-index space, of canvas pixel x of the row at dy: the inverse of the
/// clockwise rotation.
static inline void oss_rotate_source_point(double cosine, double sine, double canvas_x, double source_x, double source_y,
                                           double dy, int x, double *u, double *v) {
    double dx = (double)x + 0.5 - canvas_x;
    *u = dx * cosine + dy * sine + source_x - 0.5;
    *v = -dx * sine + dy * cosine + source_y - 0.5;
}

/// The four bilinear taps of an opaque RGB source, p the top-left one and q the one below it, added
/// in order to the sums (the order is the output's bytes).
static inline void oss_rotate_opaque_taps(const uint8_t *p, const uint8_t *q, float fx, float fy,
                                          float *coverage, float *red, float *green, float *blue) {
    float w0 = (1 - fx) * (1 - fy), w1 = fx * (1 - fy), w2 = (1 - fx) * fy, w3 = fx * fy;
    *coverage += w0; *coverage += w1; *coverage += w2; *coverage += w3;
    *red += (float)p[0] * w0; *red += (float)p[3] * w1; *red += (float)q[0] * w2; *red += (float)q[3] * w3;
    *green += (float)p[1] * w0; *green += (float)p[4] * w1; *green += (float)q[1] * w2; *green += (float)q[4] * w3;
    *blue += (float)p[2] * w0; *blue += (float)p[5] * w1; *blue += (float)q[2] * w2; *blue += (float)q[5] * w3;
}

/// One canvas pixel of oss_rotate_any_rows.
static inline void oss_rotate_any_pixel(const uint8_t *src, int source_width, int source_height, int source_channels,
                                        int width, int transparent, double cosine, double sine, double canvas_x,
                                        double source_x, double source_y, double dy, int x, int y, uint8_t *dst) {
    int channels = transparent ? 4 : 3;
    double u, v;
    oss_rotate_source_point(cosine, sine, canvas_x, source_x, source_y, dy, x, &u, &v);
    uint8_t *out = dst + ((size_t)y * (size_t)width + (size_t)x) * (size_t)channels;
    if (!(u > -1 && v > -1 && u < (double)source_width && v < (double)source_height)) {
        if (!transparent) { out[0] = 255; out[1] = 255; out[2] = 255; }
        return;
    }
    int left = oss_floor_int(u), top = oss_floor_int(v);
    float fx = (float)(u - (double)left), fy = (float)(v - (double)top);
    float coverage = 0, red = 0, green = 0, blue = 0;
    if (source_channels == 3 && left >= 0 && top >= 0 && left + 1 < source_width && top + 1 < source_height) {
        // Inside the source, opaque: the four taps without their checks. A tap of weight
        // 0 adds +0 here where oss_rotate_tap skips it, which leaves every sum as it is.
        const uint8_t *p = src + ((size_t)top * (size_t)source_width + (size_t)left) * 3, *q = p + (size_t)source_width * 3;
        oss_rotate_opaque_taps(p, q, fx, fy, &coverage, &red, &green, &blue);
    } else {
        oss_rotate_tap(src, source_width, source_height, source_channels, left, top, (1 - fx) * (1 - fy), &coverage, &red, &green, &blue);
        oss_rotate_tap(src, source_width, source_height, source_channels, left + 1, top, fx * (1 - fy), &coverage, &red, &green, &blue);
        oss_rotate_tap(src, source_width, source_height, source_channels, left, top + 1, (1 - fx) * fy, &coverage, &red, &green, &blue);
        oss_rotate_tap(src, source_width, source_height, source_channels, left + 1, top + 1, fx * fy, &coverage, &red, &green, &blue);
    }
    if (transparent) {
        if (!(coverage > 0)) return;
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

/// Whether canvas pixel x of a row is covered by the source at all (`inside` 0: some tap can be
/// inside), or takes the opaque source's fast path (`inside` 1: all four taps inside), exactly as
/// oss_rotate_any_pixel decides. u and v grow (or shrink) monotonically with x, so along a row
/// either set of pixels is one run.
static inline int oss_rotate_test(int inside, int source_width, int source_height, double cosine, double sine, double canvas_x,
                                  double source_x, double source_y, double dy, int x) {
    double u, v;
    oss_rotate_source_point(cosine, sine, canvas_x, source_x, source_y, dy, x, &u, &v);
    if (!(u > -1 && v > -1 && u < (double)source_width && v < (double)source_height)) return 0;
    if (!inside) return 1;
    int left = oss_floor_int(u), top = oss_floor_int(v);
    return left >= 0 && top >= 0 && left + 1 < source_width && top + 1 < source_height;
}

/// The run [*first, *end) of a row's pixels that pass oss_rotate_test, found by bisection on the
/// exact test from a pixel that passes; both 0 when no probe finds one (a run narrower than a
/// sixteenth of the row may be missed: its pixels then take the general path, with the same
/// result).
static void oss_rotate_run(int inside, int source_width, int source_height, double cosine, double sine, double canvas_x,
                           double source_x, double source_y, double dy, int width, int *first, int *end) {
    *first = 0;
    *end = 0;
    int found = -1;
    for (int probe = 0; probe <= 16 && found < 0; probe++) {
        int x = (int)((double)(width - 1) * probe / 16);
        if (oss_rotate_test(inside, source_width, source_height, cosine, sine, canvas_x, source_x, source_y, dy, x)) found = x;
    }
    if (found < 0) return;
    // The smallest x in [0, found] that passes.
    int low = 0, high = found;
    while (low < high) {
        int mid = low + (high - low) / 2;
        if (oss_rotate_test(inside, source_width, source_height, cosine, sine, canvas_x, source_x, source_y, dy, mid)) high = mid;
        else low = mid + 1;
    }
    *first = low;
    // The smallest x in (found, width] that does not.
    low = found + 1, high = width;
    while (low < high) {
        int mid = low + (high - low) / 2;
        if (!oss_rotate_test(inside, source_width, source_height, cosine, sine, canvas_x, source_x, source_y, dy, mid)) high = mid;
        else low = mid + 1;
    }
    *end = low;
}

/// The fast path of oss_rotate_any_pixel over a run of canvas pixels whose taps are all inside an
/// opaque source, with no test in the loop, so the compiler can keep it in vector registers (an
/// AVX2 clone where the processor has it). The arithmetic is oss_rotate_any_pixel's, operation for
/// operation (u and v are at least 0 here, so truncation is floor), and contraction into fused
/// multiply-adds is off (this file's pragma), so the bytes are the same.
OSS_AVX2_CLONES
static void oss_rotate_inside_run(const uint8_t *restrict src, int source_width, double cosine, double sine, double canvas_x,
                                  double source_x, double source_y, double dy, int x0, int x1, uint8_t *restrict row) {
    size_t stride = (size_t)source_width * 3;
    for (int x = x0; x < x1; x++) {
        double u, v;
        oss_rotate_source_point(cosine, sine, canvas_x, source_x, source_y, dy, x, &u, &v);
        int left = (int)u, top = (int)v;
        float fx = (float)(u - (double)left), fy = (float)(v - (double)top);
        float coverage = 0, red = 0, green = 0, blue = 0;
        oss_rotate_opaque_taps(src + (size_t)top * stride + (size_t)left * 3, src + (size_t)(top + 1) * stride + (size_t)left * 3, fx, fy,
                               &coverage, &red, &green, &blue);
        float white = (1 - coverage) * 255;
        uint8_t *out = row + (size_t)x * 3;
        out[0] = oss_rotate_sample(red + white);
        out[1] = oss_rotate_sample(green + white);
        out[2] = oss_rotate_sample(blue + white);
    }
}

void oss_rotate_any_rows(const uint8_t *src, int source_width, int source_height, int source_channels,
                         int width, int height, int transparent, double cosine, double sine,
                         int first_row, int rows, uint8_t *dst) {
    double canvas_x = (double)width / 2, canvas_y = (double)height / 2;
    double source_x = (double)source_width / 2, source_y = (double)source_height / 2;
    size_t channels = transparent ? 4 : 3;
    for (int y = first_row; y < first_row + rows; y++) {
        double dy = (double)y + 0.5 - canvas_y;
        uint8_t *row = dst + (size_t)y * (size_t)width * channels;
        // The run the source covers; the pixels left and right of it are background (white, or
        // left transparent as the canvas came). Not found: the general path for the whole row.
        int c0 = 0, c1 = 0;
        oss_rotate_run(0, source_width, source_height, cosine, sine, canvas_x, source_x, source_y, dy, width, &c0, &c1);
        if (c1 > c0) {
            if (!transparent) {
                memset(row, 255, (size_t)c0 * 3);
                memset(row + (size_t)c1 * 3, 255, (size_t)(width - c1) * 3);
            }
        } else {
            c0 = 0;
            c1 = width;
        }
        // Within it, the run of fast pixels (an opaque source into an opaque canvas); the edges
        // around it take the general path.
        int x0 = c0, x1 = c0;
        if (source_channels == 3 && !transparent && source_width >= 2 && source_height >= 2) {
            oss_rotate_run(1, source_width, source_height, cosine, sine, canvas_x, source_x, source_y, dy, width, &x0, &x1);
            if (x1 <= x0) x0 = x1 = c0;
        }
        for (int x = c0; x < x0; x++)
            oss_rotate_any_pixel(src, source_width, source_height, source_channels, width, transparent, cosine, sine, canvas_x, source_x, source_y, dy, x, y, dst);
        if (x1 > x0) oss_rotate_inside_run(src, source_width, cosine, sine, canvas_x, source_x, source_y, dy, x0, x1, row);
        for (int x = x1; x < c1; x++)
            oss_rotate_any_pixel(src, source_width, source_height, source_channels, width, transparent, cosine, sine, canvas_x, source_x, source_y, dy, x, y, dst);
    }
}
