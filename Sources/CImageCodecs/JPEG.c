// libjpeg-turbo: header, region decode, encode. Errors and stops leave through one longjmp that
// never crosses a function of this file.
#include "codecs_internal.h"
#include "jpeg_guard.h"
#include <stdlib.h>
#include <string.h>
#include <jerror.h>

static void oss_jpeg_error_exit(j_common_ptr cinfo) {
    struct oss_jpeg_guard *guard = (struct oss_jpeg_guard *)cinfo->err;
    if (guard->message) {
        (*cinfo->err->format_message)(cinfo, guard->message);
    }
    longjmp(guard->jump, 1);
}

static void oss_jpeg_silence(j_common_ptr cinfo, int level) { (void)cinfo; (void)level; }

/// Called by libjpeg once per scanline read or written, and once per iMCU row while it consumes
/// a multi-scan file or runs an encoder's extra passes: where a long decode or encode can stop.
static void oss_jpeg_progress(j_common_ptr cinfo) {
    struct oss_jpeg_guard *guard = (struct oss_jpeg_guard *)cinfo->err;
    if (cinfo->is_decompressor && ((j_decompress_ptr)cinfo)->input_scan_number > OSS_JPEG_MAX_SCANS) {
        OSS_FAIL(guard->message, "the JPEG has more than %d scans", OSS_JPEG_MAX_SCANS);
        longjmp(guard->jump, 1);
    }
    if (oss_should_stop(guard->stop)) {
        guard->stopped = 1;
        OSS_FAIL(guard->message, "stopped");
        longjmp(guard->jump, 1);
    }
}

struct jpeg_error_mgr *oss_jpeg_guard_init(struct oss_jpeg_guard *guard, char *message, const oss_stop *stop) {
    memset(guard, 0, sizeof *guard);
    jpeg_std_error(&guard->base);
    guard->base.error_exit = oss_jpeg_error_exit;
    guard->base.emit_message = oss_jpeg_silence;
    guard->progress.progress_monitor = oss_jpeg_progress;
    guard->message = message;
    guard->stop = stop;
    return &guard->base;
}

static void oss_jpeg_out_of_memory(j_compress_ptr cinfo) {
    cinfo->err->msg_code = JERR_OUT_OF_MEMORY;
    (*cinfo->err->error_exit)((j_common_ptr)cinfo);
}

static void oss_jpeg_output_init(j_compress_ptr cinfo) {
    struct oss_jpeg_output *output = (struct oss_jpeg_output *)cinfo->dest;
    output->capacity = 64 << 10;
    output->length = 0;
    output->data = (uint8_t *)malloc(output->capacity);
    if (!output->data) oss_jpeg_out_of_memory(cinfo);
    output->base.next_output_byte = output->data;
    output->base.free_in_buffer = output->capacity;
}

/// The buffer is full: double it, keeping what is written.
static boolean oss_jpeg_output_grow(j_compress_ptr cinfo) {
    struct oss_jpeg_output *output = (struct oss_jpeg_output *)cinfo->dest;
    size_t used = output->capacity;
    uint8_t *grown = used <= SIZE_MAX / 2 ? (uint8_t *)realloc(output->data, used * 2) : NULL;
    if (!grown) oss_jpeg_out_of_memory(cinfo);
    output->data = grown;
    output->capacity = used * 2;
    output->base.next_output_byte = grown + used;
    output->base.free_in_buffer = output->capacity - used;
    return TRUE;
}

static void oss_jpeg_output_term(j_compress_ptr cinfo) {
    struct oss_jpeg_output *output = (struct oss_jpeg_output *)cinfo->dest;
    output->length = output->capacity - output->base.free_in_buffer;
}

void oss_jpeg_output_attach(j_compress_ptr cinfo, struct oss_jpeg_output *output) {
    memset(output, 0, sizeof *output);
    output->base.init_destination = oss_jpeg_output_init;
    output->base.empty_output_buffer = oss_jpeg_output_grow;
    output->base.term_destination = oss_jpeg_output_term;
    cinfo->dest = &output->base;
}

int oss_jpeg_guard_status(const struct oss_jpeg_guard *guard) { return guard->stopped ? OSS_CODEC_STOPPED : -1; }

int oss_jpeg_check_region(j_decompress_ptr cinfo, int x, int y, int w, int h, char *message) {
    if (x < 0 || y < 0 || w <= 0 || h <= 0 || (unsigned long)x + (unsigned long)w > cinfo->image_width
        || (unsigned long)y + (unsigned long)h > cinfo->image_height) {
        OSS_FAIL(message, "region outside the image");
        return -1;
    }
    return 0;
}

int oss_jpeg_set_output(j_decompress_ptr cinfo, int channels) {
    if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
        // libjpeg turns YCCK into CMYK; the conversion to RGB is oss_jpeg_cmyk_to_rgb's.
        cinfo->out_color_space = JCS_CMYK;
        return 4;
    }
    cinfo->out_color_space = channels == 4 ? JCS_EXT_RGBA : JCS_RGB;
    return channels;
}

void oss_jpeg_cmyk_to_rgb(j_decompress_ptr cinfo, const JSAMPLE *cmyk, uint8_t *out, size_t pixels, int channels) {
    // Photoshop (which writes the Adobe marker) stores CMYK inverted: 255 is no ink. Without the
    // marker, 0 is no ink. Either way, each channel is the paper's white less its ink and black's.
    int inverted = cinfo->saw_Adobe_marker;
    for (size_t i = 0; i < pixels; i++) {
        const JSAMPLE *p = cmyk + i * 4;
        unsigned c = p[0], m = p[1], y = p[2], k = p[3];
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        uint8_t *q = out + i * (size_t)channels;
        q[0] = (uint8_t)((c * k + 127) / 255);
        q[1] = (uint8_t)((m * k + 127) / 255);
        q[2] = (uint8_t)((y * k + 127) / 255);
        if (channels == 4) q[3] = 255;
    }
}

int oss_jpeg_seek_region(j_decompress_ptr cinfo, int x, int y, int w, int channels, size_t *skip) {
    const int margin = OSS_JPEG_REGION_MARGIN;
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

/// Blocks of each component and what holding all their coefficients costs (jdcoefct.c rounds each
/// component's block counts up to its sampling factors).
static void oss_jpeg_block_counts(j_decompress_ptr cinfo, size_t *blocks, size_t *coefficient_bytes) {
    size_t total = 0, buffered = 0;
    for (int c = 0; c < cinfo->num_components; c++) {
        jpeg_component_info *component = &cinfo->comp_info[c];
        size_t wide = component->width_in_blocks, high = component->height_in_blocks;
        size_t h = (size_t)component->h_samp_factor, v = (size_t)component->v_samp_factor;
        total += wide * high;
        buffered += ((wide + h - 1) / h * h) * ((high + v - 1) / v * v);
    }
    *blocks = total;
    *coefficient_bytes = buffered * sizeof(JBLOCK);
}

int oss_jpeg_inspect(const uint8_t *data, size_t size, oss_jpeg_info *info, char *message) {
    struct jpeg_decompress_struct cinfo;
    struct oss_jpeg_guard guard;
    memset(info, 0, sizeof *info);
    if (size == 0) {
        OSS_FAIL(message, "empty JPEG");
        return -1;
    }
    cinfo.err = oss_jpeg_guard_init(&guard, message, NULL);
    if (setjmp(guard.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    info->width = (int)cinfo.image_width;
    info->height = (int)cinfo.image_height;
    info->components = cinfo.num_components;
    info->cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    info->multi_scan = jpeg_has_multiple_scans(&cinfo) ? 1 : 0;
    info->arithmetic = cinfo.arith_code ? 1 : 0;
    size_t blocks = 0, coefficient_bytes = 0;
    oss_jpeg_block_counts(&cinfo, &blocks, &coefficient_bytes);
    info->coefficient_bytes = coefficient_bytes;
    // Huffman codes are at least one bit long: a sequential scan spends a DC code and an EOB (or
    // more) on every block, a progressive file's first DC scan one code on every block.
    info->minimum_bytes = cinfo.arith_code ? 0 : blocks * (cinfo.progressive_mode ? 1 : 2) / 8;
    // jdinput.c's MCU counts: the image in MCUs of the largest sampling factors, or in blocks
    // when there is one component.
    size_t mcu_width = (size_t)cinfo.max_h_samp_factor * DCTSIZE, mcu_height = (size_t)cinfo.max_v_samp_factor * DCTSIZE;
    if (cinfo.num_components == 1) mcu_width = mcu_height = DCTSIZE;
    info->mcus = ((size_t)cinfo.image_width + mcu_width - 1) / mcu_width * (((size_t)cinfo.image_height + mcu_height - 1) / mcu_height);
    // jdmaster.c's choice of each component's DCT size at scale 1/8 (a minimum of 1): doubled
    // while the largest factors are whole multiples of twice the component's at that size.
    for (int c = 0; c < cinfo.num_components; c++) {
        const jpeg_component_info *component = &cinfo.comp_info[c];
        if (component->h_samp_factor > 0 && component->v_samp_factor > 0 && cinfo.max_h_samp_factor % (component->h_samp_factor * 2) == 0
            && cinfo.max_v_samp_factor % (component->v_samp_factor * 2) == 0)
            info->reads_ac_at_one_eighth = 1;
    }
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

int oss_jpeg_decode_region(const uint8_t *data, size_t size, int x, int y, int w, int h, int channels,
                           uint8_t *out, size_t out_size, const oss_stop *stop, char *message) {
    return oss_jpeg_decode_scaled_region(data, size, 8, x, y, w, h, channels, NULL, NULL, out, out_size, stop, message);
}

int oss_jpeg_decode_scaled_region(const uint8_t *data, size_t size, int scale_eighths, int x, int y, int w, int h, int channels,
                                  const uint8_t *tone, const oss_jpeg_split *coefficients, uint8_t *out, size_t out_size,
                                  const oss_stop *stop, char *message) {
    struct jpeg_decompress_struct cinfo;
    struct oss_jpeg_guard guard;
    oss_jpeg_split_cursor cursor;
    // Assigned after setjmp and read after the longjmp: volatile, so the jump sees its value.
    JSAMPLE *volatile row = NULL;
    size_t needed = 0;
    if (size == 0 || (channels != 3 && channels != 4) || w <= 0 || h <= 0 || scale_eighths < 1 || scale_eighths > 8
        || !oss_size_product((size_t)w, (size_t)h, (size_t)channels, &needed) || needed > out_size) {
        OSS_FAIL(message, "invalid JPEG region, scale or output buffer");
        return -1;
    }
    cinfo.err = oss_jpeg_guard_init(&guard, message, stop);
    if (setjmp(guard.jump)) {
        free(row);
        jpeg_destroy_decompress(&cinfo);
        return oss_jpeg_guard_status(&guard);
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &guard.progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    // Shrink-on-load: libjpeg-turbo's scaled inverse DCT gives ceil(side * n / 8) pixels a side,
    // never making the full-size image.
    cinfo.scale_num = (unsigned int)scale_eighths;
    cinfo.scale_denom = 8;
    int decoded = oss_jpeg_set_output(&cinfo, channels);
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_calc_output_dimensions(&cinfo);
    if (x < 0 || y < 0 || (unsigned long)x + (unsigned long)w > cinfo.output_width
        || (unsigned long)y + (unsigned long)h > cinfo.output_height) {
        OSS_FAIL(message, "region outside the image");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_start_decompress(&cinfo);
    if (oss_jpeg_split_attach(coefficients, &cinfo, &cursor, message) != 0) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    size_t skip = 0;
    int top = oss_jpeg_seek_region(&cinfo, x, y, w, decoded, &skip);
    row = (JSAMPLE *)malloc((size_t)cinfo.output_width * (size_t)decoded);
    if (!row) {
        OSS_FAIL(message, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    size_t bytes = (size_t)w * (size_t)channels;
    // Whole rows in the output's own layout go straight into it, several a call: copying each
    // from a row of libjpeg's was a few percent of a full-size decode.
    int direct = skip == 0 && cinfo.output_width == (JDIMENSION)w && decoded == channels
        && !(decoded == 4 && cinfo.out_color_space == JCS_CMYK);
    for (int r = top; r < y + h; r++) {
        if (direct && r >= y) {
            JSAMPROW rows[16];
            int count = y + h - r < 16 ? y + h - r : 16;
            for (int i = 0; i < count; i++) rows[i] = out + (size_t)(r - y + i) * bytes;
            JDIMENSION read = jpeg_read_scanlines(&cinfo, rows, (JDIMENSION)count);
            if (read == 0) {
                OSS_FAIL(message, "truncated JPEG data");
                free(row);
                jpeg_destroy_decompress(&cinfo);
                return -1;
            }
            // Mapped while the rows are still in the cache they were written through.
            if (tone) oss_apply_table_in_place(rows[0], (size_t)w * read, channels, tone);
            r += (int)read - 1;
            continue;
        }
        JSAMPROW rows[1] = { row };
        if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) {
            OSS_FAIL(message, "truncated JPEG data");
            free(row);
            jpeg_destroy_decompress(&cinfo);
            return -1;
        }
        if (r < y) continue;
        if (decoded == 4 && cinfo.out_color_space == JCS_CMYK) oss_jpeg_cmyk_to_rgb(&cinfo, row + skip, out + (size_t)(r - y) * bytes, (size_t)w, channels);
        else memcpy(out + (size_t)(r - y) * bytes, row + skip, bytes);
        if (tone) oss_apply_table_in_place(out + (size_t)(r - y) * bytes, (size_t)w, channels, tone);
    }
    free(row);
    row = NULL;
    int status = oss_jpeg_split_missed(&cursor, message);
    // Stop here: the rows below the region are never decoded.
    jpeg_abort_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return status;
}

int oss_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality, int progressive,
                    const oss_stop *stop, uint8_t **out, size_t *out_size, char *message) {
    struct jpeg_compress_struct cinfo;
    struct oss_jpeg_guard guard;
    // In memory (its address is taken), so the jump sees the buffer libjpeg last grew.
    struct oss_jpeg_output output;
    memset(&output, 0, sizeof output);
    if (width <= 0 || height <= 0 || width > OSS_JPEG_MAX_SIDE || height > OSS_JPEG_MAX_SIDE || (channels != 3 && channels != 4)) {
        OSS_FAIL(message, "a JPEG is 1 to %d pixels a side", OSS_JPEG_MAX_SIDE);
        return -1;
    }
    cinfo.err = oss_jpeg_guard_init(&guard, message, stop);
    if (setjmp(guard.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(output.data);
        return oss_jpeg_guard_status(&guard);
    }
    jpeg_create_compress(&cinfo);
    cinfo.progress = &guard.progress;
    oss_jpeg_output_attach(&cinfo, &output);
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
    *out = output.data;
    *out_size = output.length;
    return 0;
}

int oss_jpeg_encode_cmyk(const uint8_t *cmyk, int width, int height, int quality, int ycck, int adobe,
                         uint8_t **out, size_t *out_size, char *message) {
    struct jpeg_compress_struct cinfo;
    struct oss_jpeg_guard guard;
    struct oss_jpeg_output output;
    // Assigned after setjmp and read after the longjmp: volatile, so the jump sees its value.
    JSAMPLE *volatile row = NULL;
    memset(&output, 0, sizeof output);
    if (width <= 0 || height <= 0 || width > OSS_JPEG_MAX_SIDE || height > OSS_JPEG_MAX_SIDE) {
        OSS_FAIL(message, "a JPEG is 1 to %d pixels a side", OSS_JPEG_MAX_SIDE);
        return -1;
    }
    cinfo.err = oss_jpeg_guard_init(&guard, message, NULL);
    if (setjmp(guard.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(output.data);
        free(row);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    oss_jpeg_output_attach(&cinfo, &output);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 4;
    cinfo.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&cinfo);
    jpeg_set_colorspace(&cinfo, ycck ? JCS_YCCK : JCS_CMYK);
    // libjpeg writes the Adobe marker for CMYK and YCCK itself; without it, readers take samples as not inverted.
    cinfo.write_Adobe_marker = adobe ? TRUE : FALSE;
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    row = (JSAMPLE *)malloc((size_t)width * 4);
    if (!row) {
        OSS_FAIL(message, "out of memory");
        jpeg_destroy_compress(&cinfo);
        free(output.data);
        return -1;
    }
    while (cinfo.next_scanline < cinfo.image_height) {
        const uint8_t *source = cmyk + (size_t)cinfo.next_scanline * (size_t)width * 4;
        for (size_t i = 0; i < (size_t)width * 4; i++) row[i] = adobe ? (JSAMPLE)(255 - source[i]) : source[i];
        JSAMPROW rows[1] = { row };
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(row);
    *out = output.data;
    *out_size = output.length;
    return 0;
}

int oss_jpeg_encode_layout(const uint8_t *pixels, int width, int height, int grey, int quality, int h_sampling, int v_sampling,
                           int restart_rows, int optimize, int progressive, uint8_t **out, size_t *out_size, char *message) {
    struct jpeg_compress_struct cinfo;
    struct oss_jpeg_guard guard;
    struct oss_jpeg_output output;
    memset(&output, 0, sizeof output);
    if (width <= 0 || height <= 0 || width > OSS_JPEG_MAX_SIDE || height > OSS_JPEG_MAX_SIDE || h_sampling < 1 || h_sampling > 4
        || v_sampling < 1 || v_sampling > 4 || restart_rows < 0 || restart_rows > 65535) {
        OSS_FAIL(message, "invalid JPEG layout");
        return -1;
    }
    cinfo.err = oss_jpeg_guard_init(&guard, message, NULL);
    if (setjmp(guard.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(output.data);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    oss_jpeg_output_attach(&cinfo, &output);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    if (grey) jpeg_set_colorspace(&cinfo, JCS_GRAYSCALE);
    jpeg_set_quality(&cinfo, quality, TRUE);
    cinfo.comp_info[0].h_samp_factor = h_sampling;
    cinfo.comp_info[0].v_samp_factor = v_sampling;
    cinfo.restart_in_rows = restart_rows;
    cinfo.optimize_coding = optimize ? TRUE : FALSE;
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[1] = { (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * (size_t)width * 3) };
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = output.data;
    *out_size = output.length;
    return 0;
}
