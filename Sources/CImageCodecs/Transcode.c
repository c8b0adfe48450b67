// JPEG to JPEG through a ring of rows: the decoder on the calling thread, the encoder on another.
#include "codecs_internal.h"
#include "jpeg_guard.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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
    const oss_stop *stop;
    struct oss_jpeg_output output;
    int status;
    char message[OSS_CODEC_ERROR_SIZE];
};

static void oss_ring_fail(struct oss_ring *ring) {
    pthread_mutex_lock(&ring->lock);
    ring->failed = 1;
    pthread_cond_broadcast(&ring->changed);
    pthread_mutex_unlock(&ring->lock);
}

static void *oss_encode_thread(void *argument) {
    struct oss_encode_job *job = (struct oss_encode_job *)argument;
    struct oss_ring *ring = job->ring;
    struct jpeg_compress_struct cinfo;
    struct oss_jpeg_guard guard;
    cinfo.err = oss_jpeg_guard_init(&guard, job->message, job->stop);
    if (setjmp(guard.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(job->output.data);
        job->output.data = NULL;
        oss_ring_fail(ring);
        job->status = oss_jpeg_guard_status(&guard);
        return NULL;
    }
    jpeg_create_compress(&cinfo);
    cinfo.progress = &guard.progress;
    oss_jpeg_output_attach(&cinfo, &job->output);
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
            OSS_FAIL(job->message, "decoding failed");
            jpeg_abort_compress(&cinfo);
            jpeg_destroy_compress(&cinfo);
            free(job->output.data);
            job->output.data = NULL;
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

/// Whether every row's span lies inside the square: the mask indexes rows with them.
static int oss_spans_valid(const int32_t *left, const int32_t *right, int side) {
    for (int r = 0; r < side; r++) {
        if (left[r] < 0 || right[r] > side || left[r] > right[r]) return 0;
    }
    return 1;
}

int oss_jpeg_masked_transcode(const uint8_t *data, size_t size, int x, int y, int side,
                              const int32_t *left, const int32_t *right, int quality, int progressive,
                              const oss_jpeg_split *coefficients, const oss_stop *stop, uint8_t **out, size_t *out_size,
                              char *message) {
    if (size == 0 || side <= 0 || side > OSS_JPEG_MAX_SIDE || x < 0 || y < 0 || !oss_spans_valid(left, right, side)) {
        OSS_FAIL(message, "invalid circle geometry");
        return -1;
    }
    struct oss_ring ring;
    memset(&ring, 0, sizeof ring);
    ring.row_bytes = (size_t)side * 3;
    ring.total = side;
    ring.rows = (uint8_t *)malloc(ring.row_bytes * OSS_RING_ROWS);
    if (!ring.rows) {
        OSS_FAIL(message, "out of memory");
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
    job.stop = stop;
    pthread_t encoder;
    if (pthread_create(&encoder, NULL, oss_encode_thread, &job) != 0) {
        pthread_mutex_destroy(&ring.lock);
        pthread_cond_destroy(&ring.changed);
        free(ring.rows);
        OSS_FAIL(message, "cannot start the encoder thread");
        return -1;
    }

    // Decoder, on this thread.
    struct jpeg_decompress_struct cinfo;
    struct oss_jpeg_guard guard;
    oss_jpeg_split_cursor cursor;
    // Assigned after setjmp and read after the longjmp: volatile, so the jump sees its value.
    JSAMPLE *volatile wide = NULL;
    int status = 0;
    cinfo.err = oss_jpeg_guard_init(&guard, message, stop);
    if (setjmp(guard.jump)) {
        status = oss_jpeg_guard_status(&guard);
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &guard.progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (oss_jpeg_check_region(&cinfo, x, y, side, side, message) != 0) {
        status = -1;
        goto done;
    }
    int decoded = oss_jpeg_set_output(&cinfo, 3);
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&cinfo);
    if (oss_jpeg_split_attach(coefficients, &cinfo, &cursor, message) != 0) {
        status = -1;
        goto done;
    }
    {
        size_t skip = 0;
        int top = oss_jpeg_seek_region(&cinfo, x, y, side, decoded, &skip);
        // CMYK rows are turned into RGB in place, over their first three quarters.
        wide = (JSAMPLE *)malloc((size_t)cinfo.output_width * (size_t)decoded);
        if (!wide) {
            OSS_FAIL(message, "out of memory");
            status = -1;
            goto done;
        }
        for (int r = top; r < y + side; r++) {
            JSAMPROW rows[1] = { wide };
            if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) {
                OSS_FAIL(message, "truncated JPEG data");
                status = -1;
                goto done;
            }
            if (r < y) continue;
            // The region's first byte in `wide`: CMYK rows are converted to RGB at the row's start.
            size_t from = skip;
            if (decoded == 4) {
                oss_jpeg_cmyk_to_rgb(&cinfo, wide + skip, wide, (size_t)side, 3);
                from = 0;
            }
            int index = r - y;
            pthread_mutex_lock(&ring.lock);
            while (index - ring.consumed >= OSS_RING_ROWS && !ring.failed) pthread_cond_wait(&ring.changed, &ring.lock);
            int failed = ring.failed;
            pthread_mutex_unlock(&ring.lock);
            if (failed) {
                OSS_FAIL(message, "encoding failed: %s", job.message);
                status = -1;
                goto done;
            }
            uint8_t *slot = ring.rows + (size_t)(index % OSS_RING_ROWS) * ring.row_bytes;
            int l = left[index], rr = right[index];
            if (l >= rr) {
                memset(slot, 255, ring.row_bytes);
            } else {
                memset(slot, 255, (size_t)l * 3);
                memcpy(slot + (size_t)l * 3, wide + from + (size_t)l * 3, (size_t)(rr - l) * 3);
                memset(slot + (size_t)rr * 3, 255, (size_t)(side - rr) * 3);
            }
            pthread_mutex_lock(&ring.lock);
            ring.produced = index + 1;
            pthread_cond_broadcast(&ring.changed);
            pthread_mutex_unlock(&ring.lock);
        }
        jpeg_abort_decompress(&cinfo);
        status = oss_jpeg_split_missed(&cursor, message);
    }
done:
    if (status != 0) oss_ring_fail(&ring);
    jpeg_destroy_decompress(&cinfo);
    free(wide);
    pthread_join(encoder, NULL);
    pthread_mutex_destroy(&ring.lock);
    pthread_cond_destroy(&ring.changed);
    free(ring.rows);
    if (status == 0 && job.status != 0) {
        OSS_FAIL(message, "%s", job.message);
        status = job.status;
    }
    // A stop seen by the encoder first makes the decoder report "encoding failed": say stopped.
    if (status == -1 && job.status == OSS_CODEC_STOPPED) status = OSS_CODEC_STOPPED;
    if (status != 0) {
        free(job.output.data);
        return status;
    }
    *out = job.output.data;
    *out_size = job.output.length;
    return 0;
}
