// PNG's IDAT written by hand around ISA-L: filtered rows, compressed in bands on several threads.
#include "codecs_internal.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include "lazy_library.h"

// ISA-L is loaded on first use (lazy_library.h): only a PNG encode needs it, and mapping and
// relocating it was about a third of a millisecond of every `oss` command's start-up.
#define OSS_ISAL_SYMBOLS(X) \
    X(crc32_gzip_refl) \
    X(isal_adler32) \
    X(isal_deflate) \
    X(isal_deflate_init)
OSS_LAZY_LIBRARY(isal, OSS_ISAL_SYMBOLS, "libisal.so.2", "libisal.so", "libisal.2.dylib", "/opt/homebrew/lib/libisal.2.dylib",
                 "/usr/local/lib/libisal.2.dylib")
#define crc32_gzip_refl (*oss_lazy_crc32_gzip_refl)
#define isal_adler32 (*oss_lazy_isal_adler32)
#define isal_deflate (*oss_lazy_isal_deflate)
#define isal_deflate_init (*oss_lazy_isal_deflate_init)

static inline uint8_t oss_paeth(uint8_t a, uint8_t b, uint8_t c) {
    int p = (int)a + (int)b - (int)c;
    int pa = abs(p - (int)a), pb = abs(p - (int)b), pc = abs(p - (int)c);
    return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}

static inline unsigned oss_cost(uint8_t v) { return (unsigned)abs((int)(int8_t)v); }

// MARK: Deflate parts with ISA-L

/// Compressed bytes a deflate call may write between two looks at the stop: tens of milliseconds
/// of work. ISA-L's stream depends a little on where its output pauses (a few bytes, the same
/// pixels), so a stream that fits in one step is byte for byte what one call with all the room
/// writes; only larger ones pause.
#define OSS_DEFLATE_STEP (1 << 20)

struct oss_deflate_part {
    const uint8_t *input;
    size_t input_size;
    int level;
    int last;
    const oss_stop *stop;
    uint8_t *output;
    size_t output_size;
    int status;
};

static void oss_deflate_part_run(struct oss_deflate_part *part) {
    static const uint32_t level_sizes[] = { 0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT };
    part->status = -1;
    // ISA-L counts in 32 bits; a band never nears that (250 MP of RGBA is 1 GB in 1 or more bands).
    if (part->input_size > UINT32_MAX / 2) return;
    size_t capacity = part->input_size + part->input_size / 8 + 4096;
    part->output = (uint8_t *)malloc(capacity);
    uint8_t *level_buffer = part->level > 0 ? (uint8_t *)malloc(level_sizes[part->level]) : NULL;
    if (!part->output || (part->level > 0 && !level_buffer)) {
        free(level_buffer);
        return;
    }
    struct isal_zstream stream;
    isal_deflate_init(&stream);
    stream.level = (uint32_t)part->level;
    stream.level_buf = level_buffer;
    stream.level_buf_size = level_sizes[part->level];
    stream.gzip_flag = IGZIP_DEFLATE;
    stream.end_of_stream = part->last ? 1 : 0;
    stream.flush = part->last ? NO_FLUSH : FULL_FLUSH;
    stream.next_in = (uint8_t *)part->input;
    stream.avail_in = (uint32_t)part->input_size;
    stream.next_out = part->output;
    stream.avail_out = 0;
    size_t given = 0;
    for (;;) {
        if (oss_should_stop(part->stop)) {
            part->status = OSS_CODEC_STOPPED;
            break;
        }
        size_t more = capacity - given < OSS_DEFLATE_STEP ? capacity - given : OSS_DEFLATE_STEP;
        if (more == 0) break; // no room left: fails below
        stream.avail_out += (uint32_t)more;
        given += more;
        if (isal_deflate(&stream) != COMP_OK) break;
        // With room to spare, ISA-L has taken all the input it was given and written its flush.
        int done = part->last ? stream.internal_state.state == ZSTATE_END : stream.avail_in == 0;
        if (stream.avail_out > 0 && done) {
            part->output_size = stream.total_out;
            part->status = 0;
            break;
        }
    }
    free(level_buffer);
}

// MARK: PNG IDAT, filtered and compressed in bands

/// Filters one row, choosing the filter by the sum of absolute values over every fourth pixel.
static void oss_png_filter_row_sampled(const uint8_t *cur, const uint8_t *prev, size_t row_bytes, int bpp, uint8_t *dst) {
    unsigned s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    size_t step = (size_t)bpp * 4;
    for (size_t start = (size_t)bpp; start < row_bytes; start += step) {
        size_t end = start + (size_t)bpp;
        for (size_t i = start; i < end && i < row_bytes; i++) {
            uint8_t x = cur[i], a = cur[i - bpp], b = prev[i], c = prev[i - bpp];
            s0 += oss_cost(x);
            s1 += oss_cost((uint8_t)(x - a));
            s2 += oss_cost((uint8_t)(x - b));
            s3 += oss_cost((uint8_t)(x - (uint8_t)(((unsigned)a + b) >> 1)));
            s4 += oss_cost((uint8_t)(x - oss_paeth(a, b, c)));
        }
    }
    int best = 0;
    unsigned best_sum = s0;
    if (s1 < best_sum) { best = 1; best_sum = s1; }
    if (s2 < best_sum) { best = 2; best_sum = s2; }
    if (s3 < best_sum) { best = 3; best_sum = s3; }
    if (s4 < best_sum) { best = 4; best_sum = s4; }
    dst[0] = (uint8_t)best;
    uint8_t *f = dst + 1;
    switch (best) {
    case 0: memcpy(f, cur, row_bytes); break;
    case 1:
        for (size_t i = 0; i < (size_t)bpp; i++) f[i] = cur[i];
        for (size_t i = bpp; i < row_bytes; i++) f[i] = (uint8_t)(cur[i] - cur[i - bpp]);
        break;
    case 2:
        for (size_t i = 0; i < row_bytes; i++) f[i] = (uint8_t)(cur[i] - prev[i]);
        break;
    case 3:
        for (size_t i = 0; i < (size_t)bpp; i++) f[i] = (uint8_t)(cur[i] - (prev[i] >> 1));
        for (size_t i = bpp; i < row_bytes; i++) f[i] = (uint8_t)(cur[i] - (uint8_t)(((unsigned)cur[i - bpp] + prev[i]) >> 1));
        break;
    default:
        for (size_t i = 0; i < (size_t)bpp; i++) f[i] = (uint8_t)(cur[i] - prev[i]);
        for (size_t i = bpp; i < row_bytes; i++) f[i] = (uint8_t)(cur[i] - oss_paeth(cur[i - bpp], prev[i], prev[i - bpp]));
        break;
    }
}

struct oss_idat_band {
    const uint8_t *pixels;
    const uint8_t *zero;
    int width, bpp, first, end, level, last;
    const oss_stop *stop;
    uint8_t *filtered;
    size_t filtered_size;
    uint32_t adler;
    struct oss_deflate_part deflate;
};

static void *oss_idat_band_run(void *argument) {
    struct oss_idat_band *band = (struct oss_idat_band *)argument;
    size_t row_bytes = (size_t)band->width * (size_t)band->bpp;
    band->filtered_size = (size_t)(band->end - band->first) * (row_bytes + 1);
    band->filtered = (uint8_t *)malloc(band->filtered_size ? band->filtered_size : 1);
    if (!band->filtered) {
        band->deflate.status = -1;
        return NULL;
    }
    for (int row = band->first; row < band->end; row++) {
        if (oss_should_stop(band->stop)) {
            free(band->filtered);
            band->filtered = NULL;
            band->deflate.status = OSS_CODEC_STOPPED;
            return NULL;
        }
        const uint8_t *cur = band->pixels + (size_t)row * row_bytes;
        const uint8_t *prev = row > 0 ? cur - row_bytes : band->zero;
        oss_png_filter_row_sampled(cur, prev, row_bytes, band->bpp, band->filtered + (size_t)(row - band->first) * (row_bytes + 1));
    }
    band->adler = isal_adler32(1, band->filtered, band->filtered_size);
    band->deflate.input = band->filtered;
    band->deflate.input_size = band->filtered_size;
    band->deflate.level = band->level;
    band->deflate.last = band->last;
    band->deflate.stop = band->stop;
    oss_deflate_part_run(&band->deflate);
    free(band->filtered);
    band->filtered = NULL;
    return NULL;
}

int oss_png_idat_parallel(const uint8_t *pixels, int width, int height, int bpp, int parts, int threads, int level,
                          const oss_stop *stop, uint8_t **out, size_t *out_size) {
    size_t image_bytes = 0;
    if (width <= 0 || height <= 0 || (bpp != 3 && bpp != 4) || !oss_size_product((size_t)width, (size_t)height, (size_t)bpp, &image_bytes)) {
        return -1;
    }
    if (!oss_isal_loaded()) return OSS_PNG_NO_ISAL;
    if (parts < 1) parts = 1;
    if (parts > 16) parts = 16;
    if (parts > height) parts = height;
    if (level < 0) level = 0;
    if (level > 3) level = 3;
    size_t row_bytes = (size_t)width * (size_t)bpp;
    uint8_t *zero = (uint8_t *)calloc(row_bytes, 1);
    if (!zero) return -1;
    struct oss_idat_band bands[16];
    pthread_t workers[16];
    int started[16] = { 0 };
    memset(bands, 0, sizeof bands);
    for (int i = 0; i < parts; i++) {
        bands[i].pixels = pixels;
        bands[i].zero = zero;
        bands[i].width = width;
        bands[i].bpp = bpp;
        bands[i].first = (int)((long)height * i / parts);
        bands[i].end = (int)((long)height * (i + 1) / parts);
        bands[i].level = level;
        bands[i].last = i == parts - 1;
        bands[i].stop = stop;
        bands[i].deflate.status = -1;
    }
    for (int i = 1; i < parts && threads > 1; i++) {
        started[i] = pthread_create(&workers[i], NULL, oss_idat_band_run, &bands[i]) == 0;
        if (!started[i]) oss_idat_band_run(&bands[i]);
    }
    oss_idat_band_run(&bands[0]);
    for (int i = 1; i < parts && threads <= 1; i++) oss_idat_band_run(&bands[i]);
    int status = 0;
    size_t total = 2 + 4;
    uLong adler = 1;
    for (int i = 0; i < parts; i++) {
        if (i > 0 && started[i]) pthread_join(workers[i], NULL);
        if (bands[i].deflate.status != 0 && status != OSS_CODEC_STOPPED) status = bands[i].deflate.status;
        total += bands[i].deflate.output_size;
        adler = adler32_combine(adler, bands[i].adler, (z_off_t)bands[i].filtered_size);
    }
    uint8_t *result = status == 0 ? (uint8_t *)malloc(total) : NULL;
    if (result) {
        size_t at = 0;
        result[at++] = 0x78;
        result[at++] = 0x01;
        for (int i = 0; i < parts; i++) {
            memcpy(result + at, bands[i].deflate.output, bands[i].deflate.output_size);
            at += bands[i].deflate.output_size;
        }
        result[at++] = (uint8_t)(adler >> 24);
        result[at++] = (uint8_t)(adler >> 16);
        result[at++] = (uint8_t)(adler >> 8);
        result[at++] = (uint8_t)adler;
        *out = result;
        *out_size = at;
    } else if (status == 0) {
        status = -1;
    }
    for (int i = 0; i < parts; i++) free(bands[i].deflate.output);
    free(zero);
    return status;
}

uint32_t oss_png_crc32(uint32_t crc, const uint8_t *data, size_t size) {
    // zlib's CRC-32 is the same function, for the (never seen) case of a CRC before an encode.
    if (!oss_isal_loaded()) return (uint32_t)crc32_z(crc, data, size);
    return crc32_gzip_refl(crc, data, (uint64_t)size);
}
