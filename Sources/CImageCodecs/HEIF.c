// libheif over memory: the primary image's header and Exif, decode to 8-bit RGB(A), and HEVC
// encode through libheif's encoder plugin (x265 on Debian).
#include "codecs_internal.h"
#include <libheif/heif.h>
#include "lazy_library.h"

#define OSS_HEIF_SYMBOLS(X) \
    X(heif_context_alloc) \
    X(heif_context_encode_image) \
    X(heif_context_free) \
    X(heif_context_get_encoder_descriptors) \
    X(heif_context_get_encoder_for_format) \
    X(heif_context_get_number_of_top_level_images) \
    X(heif_context_get_primary_image_handle) \
    X(heif_context_read_from_memory_without_copy) \
    X(heif_context_set_maximum_image_size_limit) \
    X(heif_context_write) \
    X(heif_decode_image) \
    X(heif_decoding_options_alloc) \
    X(heif_decoding_options_free) \
    X(heif_encoder_descriptor_get_id_name) \
    X(heif_encoder_release) \
    X(heif_encoder_set_lossy_quality) \
    X(heif_encoder_set_parameter_string) \
    X(heif_image_add_plane) \
    X(heif_image_create) \
    X(heif_image_get_bits_per_pixel_range) \
    X(heif_image_get_height) \
    X(heif_image_get_plane) \
    X(heif_image_get_plane_readonly) \
    X(heif_image_get_width) \
    X(heif_image_handle_get_height) \
    X(heif_image_handle_get_list_of_metadata_block_IDs) \
    X(heif_image_handle_get_luma_bits_per_pixel) \
    X(heif_image_handle_get_metadata) \
    X(heif_image_handle_get_metadata_size) \
    X(heif_image_handle_get_width) \
    X(heif_image_handle_has_alpha_channel) \
    X(heif_image_handle_is_premultiplied_alpha) \
    X(heif_image_handle_release) \
    X(heif_image_release)
OSS_LAZY_LIBRARY(heif, OSS_HEIF_SYMBOLS, "libheif.so.1", "libheif.so")

/// Loads libheif on first use; 0 (and `message` filled) when it is not installed.
static int oss_heif_ready(char *message) {
    if (oss_heif_loaded()) return 1;
    OSS_FAIL(message, "libheif is not installed (it is loaded when a file needs it)");
    return 0;
}

// From here on, every call goes through the pointers resolved above.
#define heif_context_alloc (*oss_lazy_heif_context_alloc)
#define heif_context_encode_image (*oss_lazy_heif_context_encode_image)
#define heif_context_free (*oss_lazy_heif_context_free)
#define heif_context_get_encoder_descriptors (*oss_lazy_heif_context_get_encoder_descriptors)
#define heif_context_get_encoder_for_format (*oss_lazy_heif_context_get_encoder_for_format)
#define heif_context_get_number_of_top_level_images (*oss_lazy_heif_context_get_number_of_top_level_images)
#define heif_context_get_primary_image_handle (*oss_lazy_heif_context_get_primary_image_handle)
#define heif_context_read_from_memory_without_copy (*oss_lazy_heif_context_read_from_memory_without_copy)
#define heif_context_set_maximum_image_size_limit (*oss_lazy_heif_context_set_maximum_image_size_limit)
#define heif_context_write (*oss_lazy_heif_context_write)
#define heif_decode_image (*oss_lazy_heif_decode_image)
#define heif_decoding_options_alloc (*oss_lazy_heif_decoding_options_alloc)
#define heif_decoding_options_free (*oss_lazy_heif_decoding_options_free)
#define heif_encoder_descriptor_get_id_name (*oss_lazy_heif_encoder_descriptor_get_id_name)
#define heif_encoder_release (*oss_lazy_heif_encoder_release)
#define heif_encoder_set_lossy_quality (*oss_lazy_heif_encoder_set_lossy_quality)
#define heif_encoder_set_parameter_string (*oss_lazy_heif_encoder_set_parameter_string)
#define heif_image_add_plane (*oss_lazy_heif_image_add_plane)
#define heif_image_create (*oss_lazy_heif_image_create)
#define heif_image_get_bits_per_pixel_range (*oss_lazy_heif_image_get_bits_per_pixel_range)
#define heif_image_get_height (*oss_lazy_heif_image_get_height)
#define heif_image_get_plane (*oss_lazy_heif_image_get_plane)
#define heif_image_get_plane_readonly (*oss_lazy_heif_image_get_plane_readonly)
#define heif_image_get_width (*oss_lazy_heif_image_get_width)
#define heif_image_handle_get_height (*oss_lazy_heif_image_handle_get_height)
#define heif_image_handle_get_list_of_metadata_block_IDs (*oss_lazy_heif_image_handle_get_list_of_metadata_block_IDs)
#define heif_image_handle_get_luma_bits_per_pixel (*oss_lazy_heif_image_handle_get_luma_bits_per_pixel)
#define heif_image_handle_get_metadata (*oss_lazy_heif_image_handle_get_metadata)
#define heif_image_handle_get_metadata_size (*oss_lazy_heif_image_handle_get_metadata_size)
#define heif_image_handle_get_width (*oss_lazy_heif_image_handle_get_width)
#define heif_image_handle_has_alpha_channel (*oss_lazy_heif_image_handle_has_alpha_channel)
#define heif_image_handle_is_premultiplied_alpha (*oss_lazy_heif_image_handle_is_premultiplied_alpha)
#define heif_image_handle_release (*oss_lazy_heif_image_handle_release)
#define heif_image_release (*oss_lazy_heif_image_release)
#include <stdlib.h>
#include <string.h>


static int oss_heif_failed(struct heif_error error, char *message, const char *what) {
    if (error.code == heif_error_Ok) return 0;
    OSS_FAIL(message, "%s: %s", what, error.message ? error.message : "libheif error");
    return 1;
}

/// A grid canvas no image may exceed when the caller knows no size yet: OSS's 250 megapixels.
#define OSS_HEIF_MAX_GRID_PIXELS 250000000ULL

/// Opens the file and its primary image; on failure frees what it made and fills `message`. A grid
/// declaring a canvas of more than `max_grid_pixels` is refused before libheif reads the file.
static int oss_heif_open(const uint8_t *data, size_t size, uint64_t max_grid_pixels, struct heif_context **context,
                         struct heif_image_handle **handle, char *message) {
    *context = NULL;
    *handle = NULL;
    if (size < 12) {
        OSS_FAIL(message, "HEIF shorter than its header");
        return -1;
    }
    if (oss_heif_check_references(data, size, max_grid_pixels, message) != 0) return -1;
    struct heif_context *ctx = heif_context_alloc();
    if (!ctx) {
        OSS_FAIL(message, "out of memory");
        return -1;
    }
    heif_context_set_maximum_image_size_limit(ctx, OSS_HEIF_MAX_SIDE);
    if (oss_heif_failed(heif_context_read_from_memory_without_copy(ctx, data, size, NULL), message, "invalid HEIF")
        || oss_heif_failed(heif_context_get_primary_image_handle(ctx, handle), message, "HEIF without a primary image")) {
        heif_context_free(ctx);
        *handle = NULL;
        return -1;
    }
    *context = ctx;
    return 0;
}

static heif_item_id oss_heif_exif_id(struct heif_image_handle *handle, size_t *bytes) {
    heif_item_id id = 0;
    *bytes = 0;
    if (heif_image_handle_get_list_of_metadata_block_IDs(handle, "Exif", &id, 1) < 1) return 0;
    *bytes = heif_image_handle_get_metadata_size(handle, id);
    return id;
}

int oss_heif_inspect(const uint8_t *data, size_t size, oss_heif_info *info, char *message) {
    memset(info, 0, sizeof *info);
    if (!oss_heif_ready(message)) return -1;
    struct heif_context *ctx;
    struct heif_image_handle *handle;
    if (oss_heif_open(data, size, OSS_HEIF_MAX_GRID_PIXELS, &ctx, &handle, message) != 0) return -1;
    info->width = heif_image_handle_get_width(handle);
    info->height = heif_image_handle_get_height(handle);
    info->has_alpha = heif_image_handle_has_alpha_channel(handle);
    info->premultiplied = heif_image_handle_is_premultiplied_alpha(handle);
    info->bit_depth = heif_image_handle_get_luma_bits_per_pixel(handle);
    info->images = heif_context_get_number_of_top_level_images(ctx);
    oss_heif_exif_id(handle, &info->exif_bytes);
    heif_image_handle_release(handle);
    heif_context_free(ctx);
    if (info->width <= 0 || info->height <= 0) {
        OSS_FAIL(message, "HEIF image of %dx%d pixels", info->width, info->height);
        return -1;
    }
    return 0;
}

long oss_heif_exif(const uint8_t *data, size_t size, uint8_t *out, size_t out_size, char *message) {
    struct heif_context *ctx;
    struct heif_image_handle *handle;
    if (oss_heif_open(data, size, OSS_HEIF_MAX_GRID_PIXELS, &ctx, &handle, message) != 0) return -1;
    size_t bytes = 0;
    heif_item_id id = oss_heif_exif_id(handle, &bytes);
    long result = 0;
    uint8_t *block = NULL;
    // The block starts with a 4-byte big-endian offset to the TIFF header.
    if (id != 0 && bytes >= 4 && bytes <= out_size + 4 && (block = (uint8_t *)malloc(bytes))) {
        if (heif_image_handle_get_metadata(handle, id, block).code == heif_error_Ok) {
            size_t skip = (size_t)block[0] << 24 | (size_t)block[1] << 16 | (size_t)block[2] << 8 | block[3];
            if (skip <= bytes - 4) {
                size_t length = bytes - 4 - skip;
                memcpy(out, block + 4 + skip, length);
                result = (long)length;
            }
        }
    }
    free(block);
    heif_image_handle_release(handle);
    heif_context_free(ctx);
    return result;
}

int oss_heif_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size,
                    const oss_stop *stop, char *message) {
    if (!oss_heif_ready(message)) return -1;
    if (channels != 3 && channels != 4) {
        OSS_FAIL(message, "invalid HEIF decode request");
        return -1;
    }
    struct heif_context *ctx;
    struct heif_image_handle *handle;
    if (oss_heif_open(data, size, out_size / (size_t)channels, &ctx, &handle, message) != 0) return -1;
    int status = -1;
    struct heif_image *image = NULL;
    struct heif_decoding_options *options = heif_decoding_options_alloc();
    if (!options) {
        OSS_FAIL(message, "out of memory");
        goto done;
    }
    // libheif has no way to stop a decode once started: look before it.
    if (oss_should_stop(stop)) {
        OSS_FAIL(message, "stopped");
        status = OSS_CODEC_STOPPED;
        goto done;
    }
    options->convert_hdr_to_8bit = 1;
    int alpha = heif_image_handle_has_alpha_channel(handle);
    // Ask for alpha when the file has it (libheif cannot drop it while converting); dropped below.
    enum heif_chroma chroma = alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB;
    if (oss_heif_failed(heif_decode_image(handle, &image, heif_colorspace_RGB, chroma, options), message, "invalid HEIF image data")) goto done;
    int width = heif_image_get_width(image, heif_channel_interleaved), height = heif_image_get_height(image, heif_channel_interleaved);
    int stride = 0;
    const uint8_t *plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride);
    size_t needed = 0;
    if (!plane || width <= 0 || height <= 0 || !oss_size_product((size_t)width, (size_t)height, (size_t)channels, &needed) || needed != out_size
        || heif_image_get_bits_per_pixel_range(image, heif_channel_interleaved) != 8) {
        OSS_FAIL(message, "HEIF decoded to an unexpected size or depth");
        goto done;
    }
    int premultiplied = alpha && heif_image_handle_is_premultiplied_alpha(handle);
    int source_channels = alpha ? 4 : 3;
    for (int y = 0; y < height; y++) {
        const uint8_t *row = plane + (size_t)y * (size_t)stride;
        uint8_t *target = out + (size_t)y * (size_t)width * (size_t)channels;
        for (int x = 0; x < width; x++) {
            const uint8_t *pixel = row + (size_t)x * (size_t)source_channels;
            uint32_t r = pixel[0], g = pixel[1], b = pixel[2], a = alpha ? pixel[3] : 255;
            if (premultiplied && a != 0 && a != 255) {
                r = (r * 255 + a / 2) / a; g = (g * 255 + a / 2) / a; b = (b * 255 + a / 2) / a;
                if (r > 255) r = 255;
                if (g > 255) g = 255;
                if (b > 255) b = 255;
            }
            uint8_t *dst = target + (size_t)x * (size_t)channels;
            dst[0] = (uint8_t)r; dst[1] = (uint8_t)g; dst[2] = (uint8_t)b;
            if (channels == 4) dst[3] = (uint8_t)a;
        }
    }
    status = 0;
done:
    if (image) heif_image_release(image);
    if (options) heif_decoding_options_free(options);
    heif_image_handle_release(handle);
    heif_context_free(ctx);
    return status;
}

struct oss_heif_output {
    uint8_t *data;
    size_t length;
    int failed;
};

static struct heif_error oss_heif_write(struct heif_context *ctx, const void *data, size_t size, void *user) {
    (void)ctx;
    struct oss_heif_output *output = (struct oss_heif_output *)user;
    struct heif_error ok = { heif_error_Ok, heif_suberror_Unspecified, "" };
    struct heif_error failed = { heif_error_Encoding_error, heif_suberror_Cannot_write_output_data, "out of memory" };
    uint8_t *grown = size ? (uint8_t *)realloc(output->data, output->length + size) : output->data;
    if (size && !grown) {
        output->failed = 1;
        return failed;
    }
    if (size) memcpy(grown + output->length, data, size);
    output->data = grown;
    output->length += size;
    return ok;
}

const char *oss_heif_encoder_name(void) {
    char message[OSS_CODEC_ERROR_SIZE];
    if (!oss_heif_ready(message)) return "";
    const struct heif_encoder_descriptor *descriptor = NULL;
    if (heif_context_get_encoder_descriptors(NULL, heif_compression_HEVC, NULL, &descriptor, 1) < 1 || !descriptor) return "";
    return heif_encoder_descriptor_get_id_name(descriptor);
}

int oss_heif_encode(const uint8_t *pixels, int width, int height, int channels, int quality,
                    const oss_stop *stop, uint8_t **out, size_t *out_size, char *message) {
    if (!oss_heif_ready(message)) return -1;
    if (width <= 0 || height <= 0 || width > OSS_HEIF_MAX_SIDE || height > OSS_HEIF_MAX_SIDE || (channels != 3 && channels != 4)) {
        OSS_FAIL(message, "a HEIC here is 1 to %d pixels a side", OSS_HEIF_MAX_SIDE);
        return -1;
    }
    struct heif_context *ctx = heif_context_alloc();
    if (!ctx) {
        OSS_FAIL(message, "out of memory");
        return -1;
    }
    int status = -1;
    struct heif_encoder *encoder = NULL;
    struct heif_image *image = NULL;
    struct oss_heif_output output = { NULL, 0, 0 };
    if (oss_heif_failed(heif_context_get_encoder_for_format(ctx, heif_compression_HEVC, &encoder), message, "no HEVC encoder in libheif")) goto done;
    heif_encoder_set_lossy_quality(encoder, quality < 0 ? 0 : quality > 100 ? 100 : quality);
    // x265's "slow" default spends several times longer than "fast" for little gain at photo sizes.
    heif_encoder_set_parameter_string(encoder, "preset", "fast");
    if (oss_heif_failed(heif_image_create(width, height, heif_colorspace_RGB,
                                          channels == 4 ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, &image), message, "cannot make a HEIF image")
        || oss_heif_failed(heif_image_add_plane(image, heif_channel_interleaved, width, height, 8), message, "cannot make a HEIF plane")) goto done;
    int stride = 0;
    uint8_t *plane = heif_image_get_plane(image, heif_channel_interleaved, &stride);
    if (!plane) {
        OSS_FAIL(message, "cannot make a HEIF plane");
        goto done;
    }
    size_t row_bytes = (size_t)width * (size_t)channels;
    for (int y = 0; y < height; y++) memcpy(plane + (size_t)y * (size_t)stride, pixels + (size_t)y * row_bytes, row_bytes);
    // x265 cannot be stopped once it runs: look before it.
    if (oss_should_stop(stop)) {
        OSS_FAIL(message, "stopped");
        status = OSS_CODEC_STOPPED;
        goto done;
    }
    if (oss_heif_failed(heif_context_encode_image(ctx, image, encoder, NULL, NULL), message, "HEVC encoding failed")) goto done;
    struct heif_writer writer = { 1, oss_heif_write };
    if (oss_heif_failed(heif_context_write(ctx, &writer, &output), message, "cannot write the HEIF") || output.failed) goto done;
    status = 0;
done:
    if (image) heif_image_release(image);
    if (encoder) heif_encoder_release(encoder);
    heif_context_free(ctx);
    if (status != 0) {
        free(output.data);
        return status;
    }
    *out = output.data;
    *out_size = output.length;
    return 0;
}
