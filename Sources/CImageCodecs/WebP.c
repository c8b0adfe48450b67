// libwebp: header, incremental decode (so that a stop is seen between blocks), lossy encode with
// a progress hook.
#include "codecs_internal.h"
#include <string.h>
#include <webp/decode.h>
#include <webp/encode.h>
#include "lazy_library.h"

// libwebp is loaded on first use (lazy_library.h): only a WebP needs it, and its loading was part
// of every `oss` command's start-up. The headers' inline set-up functions (WebPGetFeatures,
// WebPInitDecoderConfig, WebPConfigPreset, WebPPictureInit) would call the library directly, so
// this file calls the exported functions behind them with the headers' ABI versions, as they do.
#define OSS_WEBP_SYMBOLS(X) \
    X(WebPConfigInitInternal) \
    X(WebPEncode) \
    X(WebPFree) \
    X(WebPFreeDecBuffer) \
    X(WebPGetFeaturesInternal) \
    X(WebPIDecode) \
    X(WebPIDelete) \
    X(WebPIUpdate) \
    X(WebPInitDecoderConfigInternal) \
    X(WebPMemoryWrite) \
    X(WebPMemoryWriterClear) \
    X(WebPMemoryWriterInit) \
    X(WebPPictureFree) \
    X(WebPPictureImportRGB) \
    X(WebPPictureImportRGBA) \
    X(WebPPictureInitInternal)
OSS_LAZY_LIBRARY(webp, OSS_WEBP_SYMBOLS, "libwebp.so.7", "libwebp.so", "libwebp.7.dylib", "/opt/homebrew/lib/libwebp.7.dylib",
                 "/usr/local/lib/libwebp.7.dylib")
#define WebPConfigInitInternal (*oss_lazy_WebPConfigInitInternal)
#define WebPEncode (*oss_lazy_WebPEncode)
#define WebPFree (*oss_lazy_WebPFree)
#define WebPFreeDecBuffer (*oss_lazy_WebPFreeDecBuffer)
#define WebPGetFeaturesInternal (*oss_lazy_WebPGetFeaturesInternal)
#define WebPIDecode (*oss_lazy_WebPIDecode)
#define WebPIDelete (*oss_lazy_WebPIDelete)
#define WebPIUpdate (*oss_lazy_WebPIUpdate)
#define WebPInitDecoderConfigInternal (*oss_lazy_WebPInitDecoderConfigInternal)
#define WebPMemoryWriterClear (*oss_lazy_WebPMemoryWriterClear)
#define WebPMemoryWriterInit (*oss_lazy_WebPMemoryWriterInit)
#define WebPPictureFree (*oss_lazy_WebPPictureFree)
#define WebPPictureImportRGB (*oss_lazy_WebPPictureImportRGB)
#define WebPPictureImportRGBA (*oss_lazy_WebPPictureImportRGBA)
#define WebPPictureInitInternal (*oss_lazy_WebPPictureInitInternal)

/// 1 once libwebp is loaded; 0, with the reason in `message`, when it is not installed.
static int oss_webp_ready(char *message) {
    if (oss_webp_loaded()) return 1;
    OSS_FAIL(message, "libwebp is not installed (it is loaded when a WebP is read or written)");
    return 0;
}

static int oss_webp_features(const uint8_t *data, size_t size, WebPBitstreamFeatures *features) {
    return WebPGetFeaturesInternal(data, size, features, WEBP_DECODER_ABI_VERSION) == VP8_STATUS_OK;
}

/// Compressed bytes handed to the incremental decoder between two looks at the stop.
#define OSS_WEBP_BLOCK (16 << 10)

int oss_webp_inspect(const uint8_t *data, size_t size, oss_webp_info *info, char *message) {
    WebPBitstreamFeatures features;
    memset(info, 0, sizeof *info);
    if (!oss_webp_ready(message)) return -1;
    if (size == 0 || !oss_webp_features(data, size, &features)) {
        OSS_FAIL(message, "invalid WebP header");
        return -1;
    }
    info->width = features.width;
    info->height = features.height;
    info->has_alpha = features.has_alpha;
    info->lossless = features.format == 2;
    return 0;
}

int oss_webp_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size,
                    const oss_stop *stop, char *message) {
    WebPDecoderConfig config;
    if (!oss_webp_ready(message)) return -1;
    if (size == 0 || (channels != 3 && channels != 4) || !WebPInitDecoderConfigInternal(&config, WEBP_DECODER_ABI_VERSION)
        || !oss_webp_features(data, size, &config.input)) {
        OSS_FAIL(message, "invalid WebP header");
        return -1;
    }
    size_t stride = 0, needed = 0;
    if (config.input.width <= 0 || config.input.height <= 0
        || !oss_size_product((size_t)config.input.width, (size_t)channels, 1, &stride)
        || !oss_size_product(stride, (size_t)config.input.height, 1, &needed) || needed > out_size || stride > INT32_MAX) {
        OSS_FAIL(message, "WebP output buffer too small");
        return -1;
    }
    // The same decoder and default options as WebPDecodeRGB(A)Into, writing into `out`.
    config.output.colorspace = channels == 4 ? MODE_RGBA : MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = out;
    config.output.u.RGBA.stride = (int)stride;
    config.output.u.RGBA.size = needed;
    WebPIDecoder *decoder = WebPIDecode(NULL, 0, &config);
    if (!decoder) {
        OSS_FAIL(message, "out of memory");
        return -1;
    }
    VP8StatusCode status = VP8_STATUS_SUSPENDED;
    size_t given = 0;
    int stopped = 0;
    while (status == VP8_STATUS_SUSPENDED && given < size) {
        if (oss_should_stop(stop)) {
            stopped = 1;
            break;
        }
        given = size - given < OSS_WEBP_BLOCK ? size : given + OSS_WEBP_BLOCK;
        // The data stays where it is; each call says how much of it is now available.
        status = WebPIUpdate(decoder, data, given);
    }
    WebPIDelete(decoder);
    WebPFreeDecBuffer(&config.output);
    if (stopped) {
        OSS_FAIL(message, "stopped");
        return OSS_CODEC_STOPPED;
    }
    if (status != VP8_STATUS_OK) {
        OSS_FAIL(message, status == VP8_STATUS_SUSPENDED ? "truncated WebP data" : "invalid WebP data");
        return -1;
    }
    return 0;
}

static int oss_webp_progress(int percent, const WebPPicture *picture) {
    (void)percent;
    return !oss_should_stop((const oss_stop *)picture->user_data);
}

// Why effort 2 and not libwebp's default 4 (which Pillow, libvips and cwebp use): it encodes a
// 1200x800 photo in under half the time (70 against 150 ms here, quality 90), for files that
// differ from effort 4's by -7% to +6.4% (the larger the lower the quality: +1.0 to +1.4% at
// quality 90, +2.6% at 85, +3.8 to +6.4% at 75, on the official SDKs' test photos) at 0.07 to
// 0.6 dB less PSNR. That keeps within the 1.1x of the reference encoder's size the PNG encoder is
// held to. Effort 3 takes as long as 4; 1 and 0 make files up to 8% and 44% larger at quality 90.
// WebPEffortTests holds the size and quality to effort 4's.
int oss_webp_encode(const uint8_t *pixels, int width, int height, int channels, int quality, int effort, int threads,
                    const oss_stop *stop, uint8_t **out, size_t *out_size, char *message) {
    if (width <= 0 || height <= 0 || width > OSS_WEBP_MAX_SIDE || height > OSS_WEBP_MAX_SIDE || (channels != 3 && channels != 4)) {
        OSS_FAIL(message, "a WebP is 1 to %d pixels a side", OSS_WEBP_MAX_SIDE);
        return -1;
    }
    if (effort < 0 || effort > 6) {
        OSS_FAIL(message, "WebP effort is 0 to 6, not %d", effort);
        return -1;
    }
    if (!oss_webp_ready(message)) return -1;
    WebPConfig config;
    WebPPicture picture;
    WebPMemoryWriter writer;
    // WebPEncodeRGB(A)'s set-up (the default preset at this quality, lossy, YUV input) at our effort:
    // WebPConfigPreset and WebPPictureInit.
    if (!WebPConfigInitInternal(&config, WEBP_PRESET_DEFAULT, (float)quality, WEBP_ENCODER_ABI_VERSION)
        || !WebPPictureInitInternal(&picture, WEBP_ENCODER_ABI_VERSION)) {
        OSS_FAIL(message, "libwebp version mismatch");
        return -1;
    }
    config.lossless = 0;
    config.method = effort;
    // libwebp's own second thread (the analysis pass in two halves, alpha beside the colour):
    // the same bitstream, sooner on two cores.
    config.thread_level = threads > 1;
    picture.use_argb = 0;
    picture.width = width;
    picture.height = height;
    picture.writer = oss_lazy_WebPMemoryWrite;
    picture.custom_ptr = &writer;
    picture.progress_hook = oss_webp_progress;
    picture.user_data = (void *)stop;
    WebPMemoryWriterInit(&writer);
    int stride = width * channels;
    int ok = (channels == 4 ? WebPPictureImportRGBA(&picture, pixels, stride) : WebPPictureImportRGB(&picture, pixels, stride))
        && WebPEncode(&config, &picture);
    int aborted = picture.error_code == VP8_ENC_ERROR_USER_ABORT;
    WebPPictureFree(&picture);
    if (!ok) {
        WebPMemoryWriterClear(&writer);
        OSS_FAIL(message, aborted ? "stopped" : "WebP encoding failed");
        return aborted ? OSS_CODEC_STOPPED : -1;
    }
    *out = writer.mem;
    *out_size = writer.size;
    return 0;
}

void oss_webp_free(void *pointer) {
    // Only a pointer libwebp gave, so the library is loaded when there is one.
    if (pointer) WebPFree(pointer);
}
