// libavif over memory: header, Exif, first-frame decode straight into the caller's buffer, and
// still-image encode with libavif's default AV1 encoder (aom on Debian).
#include "codecs_internal.h"
#include <avif/avif.h>
#include "lazy_library.h"

#define OSS_AVIF_SYMBOLS(X) \
    X(avifCodecName) \
    X(avifDecoderCreate) \
    X(avifDecoderDestroy) \
    X(avifDecoderNextImage) \
    X(avifDecoderParse) \
    X(avifDecoderSetIOMemory) \
    X(avifEncoderCreate) \
    X(avifEncoderDestroy) \
    X(avifEncoderWrite) \
    X(avifImageCreate) \
    X(avifImageDestroy) \
    X(avifImageRGBToYUV) \
    X(avifImageYUVToRGB) \
    X(avifRGBImageSetDefaults) \
    X(avifRWDataFree) \
    X(avifResultToString)
OSS_LAZY_LIBRARY(avif, OSS_AVIF_SYMBOLS, "libavif.so.16", "libavif.so.15", "libavif.so")

/// Loads libavif on first use; 0 (and `message` filled) when it is not installed.
static int oss_avif_ready(char *message) {
    if (oss_avif_loaded()) return 1;
    OSS_FAIL(message, "libavif is not installed (it is loaded when a file needs it)");
    return 0;
}

// From here on, every call goes through the pointers resolved above.
#define avifCodecName (*oss_lazy_avifCodecName)
#define avifDecoderCreate (*oss_lazy_avifDecoderCreate)
#define avifDecoderDestroy (*oss_lazy_avifDecoderDestroy)
#define avifDecoderNextImage (*oss_lazy_avifDecoderNextImage)
#define avifDecoderParse (*oss_lazy_avifDecoderParse)
#define avifDecoderSetIOMemory (*oss_lazy_avifDecoderSetIOMemory)
#define avifEncoderCreate (*oss_lazy_avifEncoderCreate)
#define avifEncoderDestroy (*oss_lazy_avifEncoderDestroy)
#define avifEncoderWrite (*oss_lazy_avifEncoderWrite)
#define avifImageCreate (*oss_lazy_avifImageCreate)
#define avifImageDestroy (*oss_lazy_avifImageDestroy)
#define avifImageRGBToYUV (*oss_lazy_avifImageRGBToYUV)
#define avifImageYUVToRGB (*oss_lazy_avifImageYUVToRGB)
#define avifRGBImageSetDefaults (*oss_lazy_avifRGBImageSetDefaults)
#define avifRWDataFree (*oss_lazy_avifRWDataFree)
#define avifResultToString (*oss_lazy_avifResultToString)
#include <stdlib.h>
#include <string.h>

/// OSS's own bounds, handed to libavif so that it refuses a larger header by itself too.
#define OSS_AVIF_MAX_SIDE 30000
#define OSS_AVIF_MAX_PIXELS 250000000u

static int oss_avif_failed(avifResult result, char *message, const char *what) {
    if (result == AVIF_RESULT_OK) return 0;
    OSS_FAIL(message, "%s: %s", what, avifResultToString(result));
    return 1;
}

/// A decoder over `data` with its header parsed; NULL (and `message`) on failure.
static avifDecoder *oss_avif_open(const uint8_t *data, size_t size, char *message) {
    if (size < 12) {
        OSS_FAIL(message, "AVIF shorter than its header");
        return NULL;
    }
    avifDecoder *decoder = avifDecoderCreate();
    if (!decoder) {
        OSS_FAIL(message, "out of memory");
        return NULL;
    }
    decoder->maxThreads = 2;
    decoder->imageSizeLimit = OSS_AVIF_MAX_PIXELS;
    decoder->imageDimensionLimit = OSS_AVIF_MAX_SIDE;
    // Real files often lack the 'pixi' box libavif's strict mode requires; nothing here needs it.
    decoder->strictFlags = AVIF_STRICT_DISABLED;
    if (oss_avif_failed(avifDecoderSetIOMemory(decoder, data, size), message, "invalid AVIF")
        || oss_avif_failed(avifDecoderParse(decoder), message, "invalid AVIF")) {
        avifDecoderDestroy(decoder);
        return NULL;
    }
    return decoder;
}

/// The TIFF structure inside an Exif payload: libavif keeps the item as stored, which may start
/// with the 4-byte offset to the TIFF header that HEIF specifies.
static const uint8_t *oss_avif_tiff(const avifRWData *exif, size_t *length) {
    *length = 0;
    if (!exif->data || exif->size < 8) return NULL;
    const uint8_t *bytes = exif->data;
    if ((bytes[0] == 'I' && bytes[1] == 'I') || (bytes[0] == 'M' && bytes[1] == 'M')) {
        *length = exif->size;
        return bytes;
    }
    size_t skip = (size_t)bytes[0] << 24 | (size_t)bytes[1] << 16 | (size_t)bytes[2] << 8 | bytes[3];
    if (skip > exif->size - 4) return NULL;
    *length = exif->size - 4 - skip;
    return bytes + 4 + skip;
}

int oss_avif_inspect(const uint8_t *data, size_t size, oss_avif_info *info, char *message) {
    memset(info, 0, sizeof *info);
    if (!oss_avif_ready(message)) return -1;
    avifDecoder *decoder = oss_avif_open(data, size, message);
    if (!decoder) return -1;
    info->width = (int)decoder->image->width;
    info->height = (int)decoder->image->height;
    info->depth = (int)decoder->image->depth;
    info->has_alpha = decoder->alphaPresent ? 1 : 0;
    info->frames = decoder->imageCount;
    oss_avif_tiff(&decoder->image->exif, &info->exif_bytes);
    avifDecoderDestroy(decoder);
    if (info->width <= 0 || info->height <= 0) {
        OSS_FAIL(message, "AVIF image of %dx%d pixels", info->width, info->height);
        return -1;
    }
    return 0;
}

long oss_avif_exif(const uint8_t *data, size_t size, uint8_t *out, size_t out_size, char *message) {
    avifDecoder *decoder = oss_avif_open(data, size, message);
    if (!decoder) return -1;
    size_t length = 0;
    const uint8_t *tiff = oss_avif_tiff(&decoder->image->exif, &length);
    long result = 0;
    if (tiff && length <= out_size) {
        memcpy(out, tiff, length);
        result = (long)length;
    }
    avifDecoderDestroy(decoder);
    return result;
}

int oss_avif_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size,
                    const oss_stop *stop, char *message) {
    if (!oss_avif_ready(message)) return -1;
    if (channels != 3 && channels != 4) {
        OSS_FAIL(message, "invalid AVIF decode request");
        return -1;
    }
    avifDecoder *decoder = oss_avif_open(data, size, message);
    if (!decoder) return -1;
    int status = -1;
    // The AV1 decoder cannot be stopped once it runs: look before it.
    if (oss_should_stop(stop)) {
        OSS_FAIL(message, "stopped");
        status = OSS_CODEC_STOPPED;
        goto done;
    }
    if (oss_avif_failed(avifDecoderNextImage(decoder), message, "invalid AVIF image data")) goto done;
    avifImage *image = decoder->image;
    size_t needed = 0;
    if (image->width == 0 || image->height == 0
        || !oss_size_product((size_t)image->width, (size_t)image->height, (size_t)channels, &needed) || needed != out_size) {
        OSS_FAIL(message, "AVIF decoded to an unexpected size");
        goto done;
    }
    avifRGBImage rgb;
    avifRGBImageSetDefaults(&rgb, image);
    rgb.format = channels == 4 ? AVIF_RGB_FORMAT_RGBA : AVIF_RGB_FORMAT_RGB;
    rgb.depth = 8;
    rgb.alphaPremultiplied = AVIF_FALSE;
    rgb.pixels = out;
    rgb.rowBytes = image->width * (uint32_t)channels;
    if (oss_avif_failed(avifImageYUVToRGB(image, &rgb), message, "AVIF colour conversion failed")) goto done;
    status = 0;
done:
    avifDecoderDestroy(decoder);
    return status;
}

const char *oss_avif_encoder_name(void) {
    char message[OSS_CODEC_ERROR_SIZE];
    if (!oss_avif_ready(message)) return "";
    const char *name = avifCodecName(AVIF_CODEC_CHOICE_AUTO, AVIF_CODEC_FLAG_CAN_ENCODE);
    return name ? name : "";
}

int oss_avif_encode(const void *pixels, int width, int height, int channels, int depth, int quality, int speed,
                    const oss_stop *stop, uint8_t **out, size_t *out_size, char *message) {
    if (!oss_avif_ready(message)) return -1;
    if (width <= 0 || height <= 0 || width > OSS_AVIF_MAX_SIDE || height > OSS_AVIF_MAX_SIDE || (channels != 3 && channels != 4)
        || (depth != 8 && depth != 10 && depth != 12) || speed < 0 || speed > 10) {
        OSS_FAIL(message, "invalid AVIF encode request (sides are 1 to %d px)", OSS_AVIF_MAX_SIDE);
        return -1;
    }
    int status = -1;
    avifEncoder *encoder = NULL;
    avifRWData output = AVIF_DATA_EMPTY;
    avifImage *image = avifImageCreate((uint32_t)width, (uint32_t)height, (uint32_t)depth, AVIF_PIXEL_FORMAT_YUV420);
    if (!image) {
        OSS_FAIL(message, "out of memory");
        return -1;
    }
    avifRGBImage rgb;
    avifRGBImageSetDefaults(&rgb, image);
    rgb.format = channels == 4 ? AVIF_RGB_FORMAT_RGBA : AVIF_RGB_FORMAT_RGB;
    rgb.depth = (uint32_t)depth;
    rgb.pixels = (uint8_t *)pixels;
    rgb.rowBytes = (uint32_t)width * (uint32_t)channels * (depth == 8 ? 1u : 2u);
    if (oss_avif_failed(avifImageRGBToYUV(image, &rgb), message, "AVIF colour conversion failed")) goto done;
    encoder = avifEncoderCreate();
    if (!encoder) {
        OSS_FAIL(message, "out of memory");
        goto done;
    }
    // libavif 1.0's mapping of a 0-100 quality onto AV1's 0-63 quantizers (0 is best).
    int q = quality < 1 ? 1 : quality > 100 ? 100 : quality;
    int quantizer = ((100 - q) * 63 + 50) / 100;
    encoder->minQuantizer = encoder->maxQuantizer = quantizer;
    encoder->minQuantizerAlpha = encoder->maxQuantizerAlpha = quantizer;
    encoder->speed = speed;
    encoder->maxThreads = 2;
    // aom cannot be stopped once it runs: look before it.
    if (oss_should_stop(stop)) {
        OSS_FAIL(message, "stopped");
        status = OSS_CODEC_STOPPED;
        goto done;
    }
    if (oss_avif_failed(avifEncoderWrite(encoder, image, &output), message, "AV1 encoding failed")) goto done;
    if (!(*out = (uint8_t *)malloc(output.size ? output.size : 1))) {
        OSS_FAIL(message, "out of memory");
        goto done;
    }
    memcpy(*out, output.data, output.size);
    *out_size = output.size;
    status = 0;
done:
    avifRWDataFree(&output);
    if (encoder) avifEncoderDestroy(encoder);
    avifImageDestroy(image);
    return status;
}
