#include "CImageCodecs.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <png.h>

struct oss_jpeg_error {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
};

static void oss_jpeg_error_exit(j_common_ptr cinfo) {
    struct oss_jpeg_error *error = (struct oss_jpeg_error *)cinfo->err;
    if (error->message) {
        (*cinfo->err->format_message)(cinfo, error->message);
    }
    longjmp(error->jump, 1);
}

static void oss_jpeg_silence(j_common_ptr cinfo, int level) { (void)cinfo; (void)level; }

/// Routes libjpeg's errors to `message` and a longjmp back into the calling function, silently.
static struct jpeg_error_mgr *oss_jpeg_error_init(struct oss_jpeg_error *error, char *message) {
    jpeg_std_error(&error->base);
    error->base.error_exit = oss_jpeg_error_exit;
    error->base.emit_message = oss_jpeg_silence;
    error->message = message;
    return &error->base;
}

/// Checks that a region can be decoded: not CMYK, and inside the image. Fills `message` if not.
static int oss_jpeg_check_region(j_decompress_ptr cinfo, int x, int y, int w, int h, char *message) {
    if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
        snprintf(message, OSS_CODEC_ERROR_SIZE, "CMYK JPEG is not supported");
        return -1;
    }
    if (x < 0 || y < 0 || w <= 0 || h <= 0 || (unsigned)(x + w) > cinfo->image_width || (unsigned)(y + h) > cinfo->image_height) {
        snprintf(message, OSS_CODEC_ERROR_SIZE, "region outside the image");
        return -1;
    }
    return 0;
}

/// After jpeg_start_decompress: restricts decoding to the iMCU columns around [x, x + w) and skips
/// the rows above y, keeping a margin of one iMCU (16 px) on each side where the image allows:
/// chroma upsampling looks at neighbouring samples, and at a crop or skip boundary it would see
/// none. With the margin, the region's pixels equal those of a full decode. Returns the first row
/// the next jpeg_read_scanlines yields; `*skip` is the byte offset of column x in a decoded row.
static int oss_jpeg_seek_region(j_decompress_ptr cinfo, int x, int y, int w, int channels, size_t *skip) {
    const int margin = 16;
    int left = x - margin < 0 ? 0 : x - margin;
    int right = x + w + margin > (int)cinfo->output_width ? (int)cinfo->output_width : x + w + margin;
    int top = y - margin < 0 ? 0 : y - margin;
    JDIMENSION x_offset = (JDIMENSION)left, crop_width = (JDIMENSION)(right - left);
    if (left != 0 || (unsigned)right != cinfo->output_width) {
        jpeg_crop_scanline(cinfo, &x_offset, &crop_width);
    }
    if (top > 0) {
        jpeg_skip_scanlines(cinfo, (JDIMENSION)top);
    }
    *skip = (size_t)(x - (int)x_offset) * (size_t)channels;
    return top;
}

int oss_jpeg_header(const uint8_t *data, size_t size, int *width, int *height, int *components, char *message) {
    struct jpeg_decompress_struct cinfo;
    struct oss_jpeg_error error;
    cinfo.err = oss_jpeg_error_init(&error, message);
    if (setjmp(error.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    *width = (int)cinfo.image_width;
    *height = (int)cinfo.image_height;
    *components = cinfo.num_components;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

int oss_jpeg_decode_region(const uint8_t *data, size_t size, int x, int y, int w, int h, int channels,
                           uint8_t *out, char *message) {
    struct jpeg_decompress_struct cinfo;
    struct oss_jpeg_error error;
    JSAMPLE *row = NULL;
    cinfo.err = oss_jpeg_error_init(&error, message);
    if (setjmp(error.jump)) {
        free(row);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (oss_jpeg_check_region(&cinfo, x, y, w, h, message) != 0) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    cinfo.out_color_space = channels == 4 ? JCS_EXT_RGBA : JCS_RGB;
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&cinfo);
    size_t skip = 0;
    int top = oss_jpeg_seek_region(&cinfo, x, y, w, channels, &skip);
    row = (JSAMPLE *)malloc((size_t)cinfo.output_width * (size_t)channels);
    if (!row) {
        snprintf(message, OSS_CODEC_ERROR_SIZE, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    size_t bytes = (size_t)w * (size_t)channels;
    for (int r = top; r < y + h; r++) {
        JSAMPROW rows[1] = { row };
        if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) {
            snprintf(message, OSS_CODEC_ERROR_SIZE, "truncated JPEG data");
            free(row);
            jpeg_destroy_decompress(&cinfo);
            return -1;
        }
        if (r >= y) memcpy(out + (size_t)(r - y) * bytes, row + skip, bytes);
    }
    free(row);
    // Stop here: the rows below the region are never decoded.
    jpeg_abort_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

int oss_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality, int progressive,
                    uint8_t **out, size_t *out_size, char *message) {
    struct jpeg_compress_struct cinfo;
    struct oss_jpeg_error error;
    unsigned char *buffer = NULL;
    unsigned long length = 0;
    cinfo.err = oss_jpeg_error_init(&error, message);
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buffer, &length);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 4 ? JCS_EXT_RGBX : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    cinfo.dct_method = JDCT_ISLOW;
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[1] = { (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride) };
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_size = (size_t)length;
    return 0;
}

/// Reads a PNG's header with libpng's simplified API; on failure fills `message` and frees the image.
static int oss_png_begin(png_image *image, const uint8_t *data, size_t size, char *message) {
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(image, data, size)) {
        snprintf(message, OSS_CODEC_ERROR_SIZE, "%s", image->message);
        png_image_free(image);
        return -1;
    }
    return 0;
}

int oss_png_header(const uint8_t *data, size_t size, int *width, int *height, int *has_alpha, char *message) {
    png_image image;
    if (oss_png_begin(&image, data, size, message) != 0) return -1;
    *width = (int)image.width;
    *height = (int)image.height;
    *has_alpha = (image.format & PNG_FORMAT_FLAG_ALPHA) != 0;
    png_image_free(&image);
    return 0;
}

int oss_png_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size, char *message) {
    png_image image;
    if (oss_png_begin(&image, data, size, message) != 0) return -1;
    image.format = channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
    if (PNG_IMAGE_SIZE(image) > out_size) {
        snprintf(message, OSS_CODEC_ERROR_SIZE, "PNG output buffer too small");
        png_image_free(&image);
        return -1;
    }
    if (!png_image_finish_read(&image, NULL, out, 0, NULL)) {
        snprintf(message, OSS_CODEC_ERROR_SIZE, "%s", image.message);
        png_image_free(&image);
        return -1;
    }
    return 0;
}

void oss_free(void *pointer) { free(pointer); }

// MARK: Streaming masked transcode

#include <pthread.h>

#define OSS_RING_ROWS 32

struct oss_ring {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint8_t *rows;          // OSS_RING_ROWS * row_bytes
    size_t row_bytes;
    int produced;           // rows written by the decoder
    int consumed;           // rows taken by the encoder
    int total;
    int failed;             // either side gave up
};

struct oss_encode_job {
    struct oss_ring *ring;
    int side;
    int quality;
    int progressive;
    unsigned char *buffer;
    unsigned long length;
    int status;
    char message[OSS_CODEC_ERROR_SIZE];
};

static void *oss_encode_thread(void *argument) {
    struct oss_encode_job *job = (struct oss_encode_job *)argument;
    struct oss_ring *ring = job->ring;
    struct jpeg_compress_struct cinfo;
    struct oss_jpeg_error error;
    cinfo.err = oss_jpeg_error_init(&error, job->message);
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&cinfo);
        pthread_mutex_lock(&ring->lock);
        ring->failed = 1;
        pthread_cond_broadcast(&ring->changed);
        pthread_mutex_unlock(&ring->lock);
        job->status = -1;
        return NULL;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &job->buffer, &job->length);
    cinfo.image_width = (JDIMENSION)job->side;
    cinfo.image_height = (JDIMENSION)job->side;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, job->quality, TRUE);
    cinfo.dct_method = JDCT_ISLOW;
    if (job->progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    for (int r = 0; r < ring->total; r++) {
        pthread_mutex_lock(&ring->lock);
        while (ring->produced <= r && !ring->failed) pthread_cond_wait(&ring->changed, &ring->lock);
        int failed = ring->failed;
        pthread_mutex_unlock(&ring->lock);
        if (failed) {
            snprintf(job->message, OSS_CODEC_ERROR_SIZE, "decoding failed");
            jpeg_abort_compress(&cinfo);
            jpeg_destroy_compress(&cinfo);
            job->status = -1;
            return NULL;
        }
        JSAMPROW rows[1] = { ring->rows + (size_t)(r % OSS_RING_ROWS) * ring->row_bytes };
        jpeg_write_scanlines(&cinfo, rows, 1);
        pthread_mutex_lock(&ring->lock);
        ring->consumed = r + 1;
        pthread_cond_broadcast(&ring->changed);
        pthread_mutex_unlock(&ring->lock);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    job->status = 0;
    return NULL;
}

int oss_jpeg_masked_transcode(const uint8_t *data, size_t size, int x, int y, int side,
                              const int32_t *left, const int32_t *right, int quality, int progressive,
                              uint8_t **out, size_t *out_size, char *message) {
    struct oss_ring ring;
    memset(&ring, 0, sizeof ring);
    ring.row_bytes = (size_t)side * 3;
    ring.total = side;
    ring.rows = (uint8_t *)malloc(ring.row_bytes * OSS_RING_ROWS);
    if (!ring.rows) {
        snprintf(message, OSS_CODEC_ERROR_SIZE, "out of memory");
        return -1;
    }
    pthread_mutex_init(&ring.lock, NULL);
    pthread_cond_init(&ring.changed, NULL);

    struct oss_encode_job job;
    memset(&job, 0, sizeof job);
    job.ring = &ring;
    job.side = side;
    job.quality = quality;
    job.progressive = progressive;
    pthread_t encoder;
    if (pthread_create(&encoder, NULL, oss_encode_thread, &job) != 0) {
        free(ring.rows);
        snprintf(message, OSS_CODEC_ERROR_SIZE, "cannot start the encoder thread");
        return -1;
    }

    // Decoder, on this thread.
    struct jpeg_decompress_struct cinfo;
    struct oss_jpeg_error error;
    JSAMPLE *wide = NULL;
    int status = 0;
    cinfo.err = oss_jpeg_error_init(&error, message);
    if (setjmp(error.jump)) {
        status = -1;
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (oss_jpeg_check_region(&cinfo, x, y, side, side, message) != 0) {
        status = -1;
        goto done;
    }
    cinfo.out_color_space = JCS_RGB;
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&cinfo);
    {
        size_t skip = 0;
        int top = oss_jpeg_seek_region(&cinfo, x, y, side, 3, &skip);
        wide = (JSAMPLE *)malloc((size_t)cinfo.output_width * 3);
        if (!wide) {
            snprintf(message, OSS_CODEC_ERROR_SIZE, "out of memory");
            status = -1;
            goto done;
        }
        for (int r = top; r < y + side; r++) {
            JSAMPROW rows[1] = { wide };
            if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) {
                snprintf(message, OSS_CODEC_ERROR_SIZE, "truncated JPEG data");
                status = -1;
                goto done;
            }
            if (r < y) continue;
            int index = r - y;
            pthread_mutex_lock(&ring.lock);
            while (index - ring.consumed >= OSS_RING_ROWS && !ring.failed) pthread_cond_wait(&ring.changed, &ring.lock);
            int failed = ring.failed;
            pthread_mutex_unlock(&ring.lock);
            if (failed) {
                snprintf(message, OSS_CODEC_ERROR_SIZE, "encoding failed: %s", job.message);
                status = -1;
                goto done;
            }
            uint8_t *slot = ring.rows + (size_t)(index % OSS_RING_ROWS) * ring.row_bytes;
            int l = left[index], rr = right[index];
            if (l >= rr) {
                memset(slot, 255, ring.row_bytes);
            } else {
                memset(slot, 255, (size_t)l * 3);
                memcpy(slot + (size_t)l * 3, wide + skip + (size_t)l * 3, (size_t)(rr - l) * 3);
                memset(slot + (size_t)rr * 3, 255, (size_t)(side - rr) * 3);
            }
            pthread_mutex_lock(&ring.lock);
            ring.produced = index + 1;
            pthread_cond_broadcast(&ring.changed);
            pthread_mutex_unlock(&ring.lock);
        }
        jpeg_abort_decompress(&cinfo);
    }
done:
    if (status != 0) {
        pthread_mutex_lock(&ring.lock);
        ring.failed = 1;
        pthread_cond_broadcast(&ring.changed);
        pthread_mutex_unlock(&ring.lock);
    }
    jpeg_destroy_decompress(&cinfo);
    free(wide);
    pthread_join(encoder, NULL);
    pthread_mutex_destroy(&ring.lock);
    pthread_cond_destroy(&ring.changed);
    free(ring.rows);
    if (status == 0 && job.status != 0) {
        snprintf(message, OSS_CODEC_ERROR_SIZE, "%s", job.message);
        status = -1;
    }
    if (status != 0) {
        free(job.buffer);
        return -1;
    }
    *out = job.buffer;
    *out_size = (size_t)job.length;
    return 0;
}

// MARK: PNG filters

static inline uint8_t oss_paeth(uint8_t a, uint8_t b, uint8_t c) {
    int p = (int)a + (int)b - (int)c;
    int pa = abs(p - (int)a), pb = abs(p - (int)b), pc = abs(p - (int)c);
    return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}

static inline unsigned oss_cost(uint8_t v) { return (unsigned)abs((int)(int8_t)v); }


// MARK: Deflate parts with ISA-L

struct oss_deflate_part {
    const uint8_t *input;
    size_t input_size;
    int level;
    int last;
    uint8_t *output;
    size_t output_size;
    int status;
};

static void *oss_deflate_part_run(void *argument) {
    struct oss_deflate_part *part = (struct oss_deflate_part *)argument;
    static const uint32_t level_sizes[] = { 0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT };
    size_t capacity = part->input_size + part->input_size / 8 + 4096;
    part->output = (uint8_t *)malloc(capacity);
    uint8_t *level_buffer = part->level > 0 ? (uint8_t *)malloc(level_sizes[part->level]) : NULL;
    if (!part->output || (part->level > 0 && !level_buffer)) {
        free(level_buffer);
        part->status = -1;
        return NULL;
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
    stream.avail_out = (uint32_t)capacity;
    int result = isal_deflate(&stream);
    free(level_buffer);
    int done = part->last ? stream.internal_state.state == ZSTATE_END : stream.avail_in == 0;
    if (result != COMP_OK || !done) {
        part->status = -1;
        return NULL;
    }
    part->output_size = stream.total_out;
    part->status = 0;
    return NULL;
}


// MARK: PNG IDAT, filtered and compressed in bands

#include <zlib.h>

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
        const uint8_t *cur = band->pixels + (size_t)row * row_bytes;
        const uint8_t *prev = row > 0 ? cur - row_bytes : band->zero;
        oss_png_filter_row_sampled(cur, prev, row_bytes, band->bpp, band->filtered + (size_t)(row - band->first) * (row_bytes + 1));
    }
    band->adler = isal_adler32(1, band->filtered, band->filtered_size);
    band->deflate.input = band->filtered;
    band->deflate.input_size = band->filtered_size;
    band->deflate.level = band->level;
    band->deflate.last = band->last;
    oss_deflate_part_run(&band->deflate);
    free(band->filtered);
    band->filtered = NULL;
    return NULL;
}

int oss_png_idat_parallel(const uint8_t *pixels, int width, int height, int bpp, int parts, int level,
                          uint8_t **out, size_t *out_size) {
    if (parts < 1) parts = 1;
    if (parts > 16) parts = 16;
    if (parts > height) parts = height > 0 ? height : 1;
    if (level < 0) level = 0;
    if (level > 3) level = 3;
    size_t row_bytes = (size_t)width * (size_t)bpp;
    uint8_t *zero = (uint8_t *)calloc(row_bytes ? row_bytes : 1, 1);
    struct oss_idat_band bands[16];
    pthread_t threads[16];
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
        bands[i].deflate.status = -1;
    }
    for (int i = 1; i < parts; i++) {
        started[i] = pthread_create(&threads[i], NULL, oss_idat_band_run, &bands[i]) == 0;
        if (!started[i]) oss_idat_band_run(&bands[i]);
    }
    oss_idat_band_run(&bands[0]);
    int status = 0;
    size_t total = 2 + 4;
    uLong adler = 1;
    for (int i = 0; i < parts; i++) {
        if (i > 0 && started[i]) pthread_join(threads[i], NULL);
        if (bands[i].deflate.status != 0) status = -1;
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
    } else {
        status = -1;
    }
    for (int i = 0; i < parts; i++) free(bands[i].deflate.output);
    free(zero);
    return status;
}
