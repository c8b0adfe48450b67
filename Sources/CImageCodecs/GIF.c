// giflib: frame-by-frame decoding onto a canvas (disposal applied), and frame-by-frame encoding,
// both over memory. giflib's low-level record API is used (not DGifSlurp, which would hold every
// frame's raster at once).
#include "codecs_internal.h"
#include <gif_lib.h>
#include <stdlib.h>
#include <string.h>

/// The GIF format's own bound: sides are 16-bit.
#define OSS_GIF_MAX_SIDE 65535

struct oss_gif_memory {
    const uint8_t *data;
    size_t size;
    size_t at;
};

static int oss_gif_read(GifFileType *gif, GifByteType *buffer, int wanted) {
    struct oss_gif_memory *memory = (struct oss_gif_memory *)gif->UserData;
    if (wanted <= 0) return 0;
    size_t left = memory->size - memory->at;
    size_t count = (size_t)wanted < left ? (size_t)wanted : left;
    memcpy(buffer, memory->data + memory->at, count);
    memory->at += count;
    return (int)count;
}

struct oss_gif_decoder {
    struct oss_gif_memory memory;
    GifFileType *gif;
    int width;
    int height;
    /// RGBA, width * height * 4.
    uint8_t *canvas;
    /// The canvas before the last frame, kept only for "restore to previous" (disposal 3).
    uint8_t *saved;
    /// One frame row of palette indices (the frame's width, up to 65535).
    GifPixelType *row;
    /// What the last frame asked to be done with its rectangle before the next is drawn.
    int pending_disposal;
    int pending_left, pending_top, pending_w, pending_h;
    int done;
};

oss_gif_decoder *oss_gif_decoder_open(const uint8_t *data, size_t size, int *width, int *height, char *message) {
    if (size < 13) {
        OSS_FAIL(message, "GIF shorter than its header");
        return NULL;
    }
    oss_gif_decoder *decoder = (oss_gif_decoder *)calloc(1, sizeof *decoder);
    if (!decoder) {
        OSS_FAIL(message, "out of memory");
        return NULL;
    }
    decoder->memory.data = data;
    decoder->memory.size = size;
    int status = 0;
    decoder->gif = DGifOpen(&decoder->memory, oss_gif_read, &status);
    if (!decoder->gif) {
        OSS_FAIL(message, "%s", GifErrorString(status) ? GifErrorString(status) : "invalid GIF header");
        free(decoder);
        return NULL;
    }
    decoder->width = decoder->gif->SWidth;
    decoder->height = decoder->gif->SHeight;
    size_t bytes = 0;
    if (decoder->width <= 0 || decoder->height <= 0 || !oss_size_product((size_t)decoder->width, (size_t)decoder->height, 4, &bytes)) {
        OSS_FAIL(message, "GIF screen of %dx%d pixels", decoder->width, decoder->height);
        oss_gif_decoder_close(decoder);
        return NULL;
    }
    // calloc: the canvas starts transparent, as browsers show a GIF's background.
    decoder->canvas = (uint8_t *)calloc(bytes, 1);
    decoder->row = (GifPixelType *)malloc(OSS_GIF_MAX_SIDE + 1);
    if (!decoder->canvas || !decoder->row) {
        OSS_FAIL(message, "out of memory");
        oss_gif_decoder_close(decoder);
        return NULL;
    }
    *width = decoder->width;
    *height = decoder->height;
    return decoder;
}

void oss_gif_decoder_close(oss_gif_decoder *decoder) {
    if (!decoder) return;
    if (decoder->gif) {
        int ignored = 0;
        DGifCloseFile(decoder->gif, &ignored);
    }
    free(decoder->canvas);
    free(decoder->saved);
    free(decoder->row);
    free(decoder);
}

/// Clears (disposal 2) or restores (disposal 3) the last frame's rectangle, clipped to the canvas.
static void oss_gif_dispose(oss_gif_decoder *decoder) {
    int disposal = decoder->pending_disposal;
    decoder->pending_disposal = 0;
    if (disposal != 2 && disposal != 3) return;
    int x0 = decoder->pending_left, y0 = decoder->pending_top;
    int x1 = x0 + decoder->pending_w, y1 = y0 + decoder->pending_h;
    if (x1 > decoder->width) x1 = decoder->width;
    if (y1 > decoder->height) y1 = decoder->height;
    if (x0 >= x1 || y0 >= y1) return;
    size_t stride = (size_t)decoder->width * 4;
    for (int y = y0; y < y1; y++) {
        size_t at = (size_t)y * stride + (size_t)x0 * 4, count = (size_t)(x1 - x0) * 4;
        if (disposal == 3 && decoder->saved) memcpy(decoder->canvas + at, decoder->saved + at, count);
        else memset(decoder->canvas + at, 0, count);
    }
}

/// The row of the frame that the `n`th stored row of an interlaced frame is (four passes).
static int oss_gif_interlaced_row(int n, int height) {
    static const int start[4] = { 0, 4, 2, 1 }, step[4] = { 8, 8, 4, 2 };
    for (int pass = 0; pass < 4; pass++) {
        int rows = start[pass] < height ? (height - start[pass] + step[pass] - 1) / step[pass] : 0;
        if (n < rows) return start[pass] + n * step[pass];
        n -= rows;
    }
    return -1;
}

int oss_gif_decoder_next(oss_gif_decoder *decoder, const uint8_t **canvas, int *delay, const oss_stop *stop, char *message) {
    if (decoder->done) return 0;
    GifFileType *gif = decoder->gif;
    GraphicsControlBlock control = { DISPOSAL_UNSPECIFIED, false, 0, NO_TRANSPARENT_COLOR };
    for (;;) {
        if (oss_should_stop(stop)) {
            OSS_FAIL(message, "stopped");
            return OSS_CODEC_STOPPED;
        }
        GifRecordType type = UNDEFINED_RECORD_TYPE;
        if (DGifGetRecordType(gif, &type) == GIF_ERROR) {
            // A file that ends without its trailer (common in the wild) ends the animation.
            if (gif->Error == D_GIF_ERR_READ_FAILED && decoder->memory.at >= decoder->memory.size) {
                decoder->done = 1;
                return 0;
            }
            OSS_FAIL(message, "%s", GifErrorString(gif->Error) ? GifErrorString(gif->Error) : "invalid GIF record");
            return -1;
        }
        if (type == TERMINATE_RECORD_TYPE) {
            decoder->done = 1;
            return 0;
        }
        if (type == EXTENSION_RECORD_TYPE) {
            int code = 0;
            GifByteType *block = NULL;
            if (DGifGetExtension(gif, &code, &block) == GIF_ERROR) {
                OSS_FAIL(message, "invalid GIF extension");
                return -1;
            }
            if (code == GRAPHICS_EXT_FUNC_CODE && block && block[0] >= 4) {
                DGifExtensionToGCB(block[0], block + 1, &control);
            }
            while (block) {
                if (DGifGetExtensionNext(gif, &block) == GIF_ERROR) {
                    OSS_FAIL(message, "invalid GIF extension data");
                    return -1;
                }
            }
            continue;
        }
        if (type != IMAGE_DESC_RECORD_TYPE) {
            OSS_FAIL(message, "invalid GIF record");
            return -1;
        }
        if (DGifGetImageDesc(gif) == GIF_ERROR) {
            OSS_FAIL(message, "invalid GIF image descriptor");
            return -1;
        }
        // giflib appends a SavedImage (with the local colour map) per descriptor: drop it, as
        // nothing here uses the saved list and it would grow with the frame count.
        GifImageDesc desc = gif->Image;
        ColorMapObject *map = desc.ColorMap ? desc.ColorMap : gif->SColorMap;
        int left = desc.Left, top = desc.Top, w = desc.Width, h = desc.Height;
        if (w <= 0 || h <= 0 || w > OSS_GIF_MAX_SIDE || h > OSS_GIF_MAX_SIDE) {
            OSS_FAIL(message, "GIF frame of %dx%d pixels", w, h);
            return -1;
        }
        if (!map || map->ColorCount <= 0 || !map->Colors) {
            OSS_FAIL(message, "GIF frame without a colour table");
            return -1;
        }
        oss_gif_dispose(decoder);
        if (control.DisposalMode == DISPOSE_PREVIOUS) {
            size_t bytes = (size_t)decoder->width * (size_t)decoder->height * 4;
            if (!decoder->saved && !(decoder->saved = (uint8_t *)malloc(bytes))) {
                OSS_FAIL(message, "out of memory");
                return -1;
            }
            memcpy(decoder->saved, decoder->canvas, bytes);
        }
        size_t stride = (size_t)decoder->width * 4;
        for (int n = 0; n < h; n++) {
            if ((n & 15) == 0 && oss_should_stop(stop)) {
                OSS_FAIL(message, "stopped");
                return OSS_CODEC_STOPPED;
            }
            if (DGifGetLine(gif, decoder->row, w) == GIF_ERROR) {
                OSS_FAIL(message, "%s", GifErrorString(gif->Error) ? GifErrorString(gif->Error) : "invalid GIF image data");
                return -1;
            }
            int y = top + (desc.Interlace ? oss_gif_interlaced_row(n, h) : n);
            if (y < 0 || y >= decoder->height) continue;
            uint8_t *line = decoder->canvas + (size_t)y * stride;
            for (int i = 0; i < w; i++) {
                int x = left + i;
                if (x >= decoder->width) break;
                int index = decoder->row[i];
                // The transparent index, and indices past the table, leave the canvas as it is.
                if (index == control.TransparentColor || index >= map->ColorCount) continue;
                GifColorType color = map->Colors[index];
                uint8_t *pixel = line + (size_t)x * 4;
                pixel[0] = color.Red; pixel[1] = color.Green; pixel[2] = color.Blue; pixel[3] = 255;
            }
        }
        if (gif->SavedImages) {
            GifFreeSavedImages(gif);
            // giflib indexes its next SavedImage by ImageCount: restart the (now empty) list.
            gif->ImageCount = 0;
        }
        decoder->pending_disposal = control.DisposalMode;
        decoder->pending_left = left;
        decoder->pending_top = top;
        decoder->pending_w = w;
        decoder->pending_h = h;
        *canvas = decoder->canvas;
        *delay = control.DelayTime;
        return 1;
    }
}

// ---- Encoder -------------------------------------------------------------------------------

struct oss_gif_output {
    uint8_t *data;
    size_t length;
    size_t capacity;
    int failed;
};

static int oss_gif_write(GifFileType *gif, const GifByteType *bytes, int count) {
    struct oss_gif_output *output = (struct oss_gif_output *)gif->UserData;
    if (count <= 0) return 0;
    if (output->length + (size_t)count > output->capacity) {
        size_t capacity = output->capacity ? output->capacity : 64 << 10;
        while (capacity < output->length + (size_t)count) {
            if (capacity > SIZE_MAX / 2) { output->failed = 1; return 0; }
            capacity *= 2;
        }
        uint8_t *grown = (uint8_t *)realloc(output->data, capacity);
        if (!grown) { output->failed = 1; return 0; }
        output->data = grown;
        output->capacity = capacity;
    }
    memcpy(output->data + output->length, bytes, (size_t)count);
    output->length += (size_t)count;
    return count;
}

struct oss_gif_encoder {
    struct oss_gif_output output;
    GifFileType *gif;
    int width;
    int height;
};

static void oss_gif_encoder_free(oss_gif_encoder *encoder, int keep_output) {
    if (!encoder) return;
    if (encoder->gif) {
        int ignored = 0;
        EGifCloseFile(encoder->gif, &ignored);
    }
    if (!keep_output) free(encoder->output.data);
    free(encoder);
}

oss_gif_encoder *oss_gif_encoder_open(int width, int height, int loop_count, char *message) {
    if (width <= 0 || height <= 0 || width > OSS_GIF_MAX_SIDE || height > OSS_GIF_MAX_SIDE) {
        OSS_FAIL(message, "a GIF is 1 to %d pixels a side", OSS_GIF_MAX_SIDE);
        return NULL;
    }
    oss_gif_encoder *encoder = (oss_gif_encoder *)calloc(1, sizeof *encoder);
    if (!encoder) {
        OSS_FAIL(message, "out of memory");
        return NULL;
    }
    int status = 0;
    encoder->gif = EGifOpen(&encoder->output, oss_gif_write, &status);
    encoder->width = width;
    encoder->height = height;
    if (!encoder->gif) {
        OSS_FAIL(message, "cannot start a GIF: %s", GifErrorString(status) ? GifErrorString(status) : "giflib error");
        free(encoder);
        return NULL;
    }
    EGifSetGifVersion(encoder->gif, true);
    // No global colour table: every frame carries its own.
    if (EGifPutScreenDesc(encoder->gif, width, height, 8, 0, NULL) == GIF_ERROR) {
        OSS_FAIL(message, "cannot write the GIF screen descriptor");
        oss_gif_encoder_free(encoder, 0);
        return NULL;
    }
    if (loop_count >= 0) {
        unsigned char loop[3] = { 1, (unsigned char)(loop_count & 0xFF), (unsigned char)((loop_count >> 8) & 0xFF) };
        if (EGifPutExtensionLeader(encoder->gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR
            || EGifPutExtensionBlock(encoder->gif, 11, "NETSCAPE2.0") == GIF_ERROR
            || EGifPutExtensionBlock(encoder->gif, 3, loop) == GIF_ERROR
            || EGifPutExtensionTrailer(encoder->gif) == GIF_ERROR) {
            OSS_FAIL(message, "cannot write the GIF loop block");
            oss_gif_encoder_free(encoder, 0);
            return NULL;
        }
    }
    return encoder;
}

int oss_gif_encoder_add(oss_gif_encoder *encoder, const uint8_t *indices, int left, int top, int w, int h,
                        const uint8_t *palette, int colors, int transparent, int delay, int disposal, int interlace,
                        const oss_stop *stop, char *message) {
    if (w <= 0 || h <= 0 || left < 0 || top < 0 || left > encoder->width - w || top > encoder->height - h
        || colors < 1 || colors > 256 || transparent >= colors || disposal < 0 || disposal > 3 || delay < 0 || delay > 65535) {
        OSS_FAIL(message, "invalid GIF frame");
        return -1;
    }
    // giflib wants a power-of-two table of at least two entries; the padding is black.
    int size = 2;
    while (size < colors) size *= 2;
    ColorMapObject *map = GifMakeMapObject(size, NULL);
    if (!map) {
        OSS_FAIL(message, "out of memory");
        return -1;
    }
    memset(map->Colors, 0, sizeof(GifColorType) * (size_t)size);
    for (int i = 0; i < colors; i++) {
        map->Colors[i].Red = palette[i * 3];
        map->Colors[i].Green = palette[i * 3 + 1];
        map->Colors[i].Blue = palette[i * 3 + 2];
    }
    GraphicsControlBlock control = { disposal, false, delay, transparent < 0 ? NO_TRANSPARENT_COLOR : transparent };
    GifByteType extension[4];
    size_t length = EGifGCBToExtension(&control, extension);
    int status = -1;
    if (EGifPutExtension(encoder->gif, GRAPHICS_EXT_FUNC_CODE, (int)length, extension) == GIF_ERROR
        || EGifPutImageDesc(encoder->gif, left, top, w, h, interlace ? true : false, map) == GIF_ERROR) {
        OSS_FAIL(message, "cannot write a GIF frame header");
        goto done;
    }
    // Interlaced frames are written in the four passes' row order.
    static const int start[4] = { 0, 4, 2, 1 }, step[4] = { 8, 8, 4, 2 };
    int passes = interlace ? 4 : 1;
    for (int pass = 0; pass < passes; pass++) {
        int first = interlace ? start[pass] : 0, stride = interlace ? step[pass] : 1;
        for (int y = first; y < h; y += stride) {
            if ((y & 15) == 0 && oss_should_stop(stop)) {
                OSS_FAIL(message, "stopped");
                status = OSS_CODEC_STOPPED;
                goto done;
            }
            if (EGifPutLine(encoder->gif, (GifPixelType *)(indices + (size_t)y * (size_t)w), w) == GIF_ERROR || encoder->output.failed) {
                OSS_FAIL(message, "cannot write GIF image data");
                goto done;
            }
        }
    }
    status = 0;
done:
    GifFreeMapObject(map);
    return status;
}

int oss_gif_encoder_finish(oss_gif_encoder *encoder, uint8_t **out, size_t *out_size, char *message) {
    int status = 0;
    GifFileType *gif = encoder->gif;
    encoder->gif = NULL;
    // EGifCloseFile writes the trailer and frees the giflib state.
    if (EGifCloseFile(gif, &status) == GIF_ERROR || encoder->output.failed) {
        OSS_FAIL(message, "cannot finish the GIF");
        oss_gif_encoder_free(encoder, 0);
        return -1;
    }
    *out = encoder->output.data;
    *out_size = encoder->output.length;
    oss_gif_encoder_free(encoder, 1);
    return 0;
}

void oss_gif_encoder_abort(oss_gif_encoder *encoder) { oss_gif_encoder_free(encoder, 0); }
