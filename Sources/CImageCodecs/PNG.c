// libpng's simplified API: header and decode. The decode reads through a stdio stream over the
// memory whose read function looks at the stop between blocks of compressed data.
#if !defined(__APPLE__)
#define _GNU_SOURCE // fopencookie
#endif
#include "codecs_internal.h"
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/// Reads a PNG's header with libpng's simplified API; on failure fills `message` and frees the image.
static int oss_png_begin(png_image *image, const uint8_t *data, size_t size, char *message) {
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(image, data, size)) {
        OSS_FAIL(message, "%s", image->message);
        png_image_free(image);
        return -1;
    }
    return 0;
}

int oss_png_header(const uint8_t *data, size_t size, int *width, int *height, int *has_alpha, char *message) {
    png_image image;
    if (size == 0) {
        OSS_FAIL(message, "empty PNG");
        return -1;
    }
    if (oss_png_begin(&image, data, size, message) != 0) return -1;
    *width = (int)image.width;
    *height = (int)image.height;
    *has_alpha = (image.format & PNG_FORMAT_FLAG_ALPHA) != 0;
    png_image_free(&image);
    return 0;
}

/// The memory a decode reads, and whether the stop was seen.
struct oss_png_source {
    const uint8_t *data;
    size_t size;
    size_t at;
    const oss_stop *stop;
    int stopped;
};

/// libpng asks for at most 8 KiB of IDAT at a time, which inflates to at most about 8 MiB of rows
/// (deflate's ratio is below 1032:1): a stop is seen within milliseconds.
static ssize_t oss_png_read_block(struct oss_png_source *source, char *buffer, size_t wanted) {
    if (source->stopped || oss_should_stop(source->stop)) {
        source->stopped = 1; // and stays: libpng is not asked twice
        return -1;
    }
    size_t left = source->size - source->at;
    size_t count = wanted < left ? wanted : left;
    memcpy(buffer, source->data + source->at, count);
    source->at += count;
    return (ssize_t)count;
}

#if defined(__APPLE__)
static int oss_png_cookie_read(void *cookie, char *buffer, int wanted) {
    return (int)oss_png_read_block((struct oss_png_source *)cookie, buffer, wanted < 0 ? 0 : (size_t)wanted);
}
static FILE *oss_png_open(struct oss_png_source *source) {
    return funopen(source, oss_png_cookie_read, NULL, NULL, NULL);
}
#else
static ssize_t oss_png_cookie_read(void *cookie, char *buffer, size_t wanted) {
    return oss_png_read_block((struct oss_png_source *)cookie, buffer, wanted);
}
static FILE *oss_png_open(struct oss_png_source *source) {
    cookie_io_functions_t functions = { .read = oss_png_cookie_read, .write = NULL, .seek = NULL, .close = NULL };
    return fopencookie(source, "r", functions);
}
#endif

int oss_png_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size,
                   const oss_stop *stop, char *message) {
    if (size == 0 || (channels != 3 && channels != 4)) {
        OSS_FAIL(message, "invalid PNG decode request");
        return -1;
    }
    struct oss_png_source source = { data, size, 0, stop, 0 };
    FILE *stream = oss_png_open(&source);
    if (!stream) {
        OSS_FAIL(message, "cannot open the PNG data");
        return -1;
    }
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    int status = -1;
    if (!png_image_begin_read_from_stdio(&image, stream)) {
        OSS_FAIL(message, "%s", source.stopped ? "stopped" : image.message);
        status = source.stopped ? OSS_CODEC_STOPPED : -1;
        goto done;
    }
    image.format = channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
    // libpng takes 16-bit samples for linear light unless told otherwise, and would turn them into
    // brighter sRGB values; a PNG's samples are gamma-encoded at every depth (the file's gAMA or
    // sRGB chunk, when there is one, still decides).
    image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    size_t needed = 0;
    if (!oss_size_product(image.width, image.height, (size_t)channels, &needed) || needed > out_size) {
        OSS_FAIL(message, "PNG output buffer too small");
        goto done;
    }
    if (!png_image_finish_read(&image, NULL, out, 0, NULL)) {
        OSS_FAIL(message, "%s", source.stopped ? "stopped" : image.message);
        status = source.stopped ? OSS_CODEC_STOPPED : -1;
        goto done;
    }
    status = 0;
done:
    png_image_free(&image);
    fclose(stream);
    return status;
}
