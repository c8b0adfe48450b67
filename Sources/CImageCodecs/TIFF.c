// libtiff over memory: inspect, decode through the RGBA interface one band of strips or tiles at
// a time, encode. Errors go to a per-handle handler (libtiff 4.5's open options), never to stderr.
#include "codecs_internal.h"
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include "lazy_library.h"

// libtiff is loaded on first use (lazy_library.h): it brings libLerc, libjbig, libdeflate and
// libzstd, whose loading every `oss` command paid at start-up while only a TIFF needs them.
#define OSS_TIFF_SYMBOLS(X) \
    X(TIFFClientOpenExt) \
    X(TIFFClose) \
    X(TIFFComputeTile) \
    X(TIFFDefaultStripSize) \
    X(TIFFGetField) \
    X(TIFFGetFieldDefaulted) \
    X(TIFFGetStrileByteCount) \
    X(TIFFIsTiled) \
    X(TIFFNumberOfDirectories) \
    X(TIFFNumberOfStrips) \
    X(TIFFNumberOfTiles) \
    X(TIFFOpenOptionsAlloc) \
    X(TIFFOpenOptionsFree) \
    X(TIFFOpenOptionsSetErrorHandlerExtR) \
    X(TIFFOpenOptionsSetMaxSingleMemAlloc) \
    X(TIFFOpenOptionsSetWarningHandlerExtR) \
    X(TIFFRGBAImageBegin) \
    X(TIFFRGBAImageEnd) \
    X(TIFFRGBAImageGet) \
    X(TIFFRGBAImageOK) \
    X(TIFFSetField) \
    X(TIFFStripSize) \
    X(TIFFStripSize64) \
    X(TIFFTileSize) \
    X(TIFFTileSize64) \
    X(TIFFWriteDirectory) \
    X(TIFFWriteEncodedTile) \
    X(TIFFWriteScanline)
OSS_LAZY_LIBRARY(tiff, OSS_TIFF_SYMBOLS, "libtiff.so.6", "libtiff.so")

// From here on, every call goes through the pointers resolved above.
#define TIFFClientOpenExt (*oss_lazy_TIFFClientOpenExt)
#define TIFFClose (*oss_lazy_TIFFClose)
#define TIFFComputeTile (*oss_lazy_TIFFComputeTile)
#define TIFFDefaultStripSize (*oss_lazy_TIFFDefaultStripSize)
#define TIFFGetField (*oss_lazy_TIFFGetField)
#define TIFFGetFieldDefaulted (*oss_lazy_TIFFGetFieldDefaulted)
#define TIFFGetStrileByteCount (*oss_lazy_TIFFGetStrileByteCount)
#define TIFFIsTiled (*oss_lazy_TIFFIsTiled)
#define TIFFNumberOfDirectories (*oss_lazy_TIFFNumberOfDirectories)
#define TIFFNumberOfStrips (*oss_lazy_TIFFNumberOfStrips)
#define TIFFNumberOfTiles (*oss_lazy_TIFFNumberOfTiles)
#define TIFFOpenOptionsAlloc (*oss_lazy_TIFFOpenOptionsAlloc)
#define TIFFOpenOptionsFree (*oss_lazy_TIFFOpenOptionsFree)
#define TIFFOpenOptionsSetErrorHandlerExtR (*oss_lazy_TIFFOpenOptionsSetErrorHandlerExtR)
#define TIFFOpenOptionsSetMaxSingleMemAlloc (*oss_lazy_TIFFOpenOptionsSetMaxSingleMemAlloc)
#define TIFFOpenOptionsSetWarningHandlerExtR (*oss_lazy_TIFFOpenOptionsSetWarningHandlerExtR)
#define TIFFRGBAImageBegin (*oss_lazy_TIFFRGBAImageBegin)
#define TIFFRGBAImageEnd (*oss_lazy_TIFFRGBAImageEnd)
#define TIFFRGBAImageGet (*oss_lazy_TIFFRGBAImageGet)
#define TIFFRGBAImageOK (*oss_lazy_TIFFRGBAImageOK)
#define TIFFSetField (*oss_lazy_TIFFSetField)
#define TIFFStripSize (*oss_lazy_TIFFStripSize)
#define TIFFStripSize64 (*oss_lazy_TIFFStripSize64)
#define TIFFTileSize (*oss_lazy_TIFFTileSize)
#define TIFFTileSize64 (*oss_lazy_TIFFTileSize64)
#define TIFFWriteDirectory (*oss_lazy_TIFFWriteDirectory)
#define TIFFWriteEncodedTile (*oss_lazy_TIFFWriteEncodedTile)
#define TIFFWriteScanline (*oss_lazy_TIFFWriteScanline)

/// The bytes libtiff reads (`data`), or writes (`out`, growing), and where it is in them.
struct oss_tiff_memory {
    const uint8_t *data;
    size_t size;
    uint64_t at;
    // Writing: a growing buffer.
    uint8_t *out;
    size_t capacity;
    int failed;
    char *message;
};

static tmsize_t oss_tiff_read(thandle_t handle, void *buffer, tmsize_t wanted) {
    struct oss_tiff_memory *memory = (struct oss_tiff_memory *)handle;
    if (wanted <= 0 || memory->at >= memory->size) return 0;
    uint64_t left = memory->size - memory->at;
    uint64_t count = (uint64_t)wanted < left ? (uint64_t)wanted : left;
    memcpy(buffer, memory->data + memory->at, (size_t)count);
    memory->at += count;
    return (tmsize_t)count;
}

static tmsize_t oss_tiff_write(thandle_t handle, void *buffer, tmsize_t count) {
    struct oss_tiff_memory *memory = (struct oss_tiff_memory *)handle;
    if (count <= 0) return 0;
    if (memory->at > SIZE_MAX - (uint64_t)count) { memory->failed = 1; return -1; }
    size_t end = (size_t)memory->at + (size_t)count;
    if (end > memory->capacity) {
        size_t capacity = memory->capacity ? memory->capacity : 64 << 10;
        while (capacity < end) {
            if (capacity > SIZE_MAX / 2) { memory->failed = 1; return -1; }
            capacity *= 2;
        }
        uint8_t *grown = (uint8_t *)realloc(memory->out, capacity);
        if (!grown) { memory->failed = 1; return -1; }
        // Bytes skipped by a seek past the end read as zeros.
        memset(grown + memory->capacity, 0, capacity - memory->capacity);
        memory->out = grown;
        memory->capacity = capacity;
    }
    memcpy(memory->out + memory->at, buffer, (size_t)count);
    memory->at = end;
    if (end > memory->size) memory->size = end;
    return count;
}

static toff_t oss_tiff_seek(thandle_t handle, toff_t offset, int whence) {
    struct oss_tiff_memory *memory = (struct oss_tiff_memory *)handle;
    uint64_t base = whence == SEEK_CUR ? memory->at : whence == SEEK_END ? memory->size : 0;
    // Offsets are unsigned; one past what a size_t can index is refused.
    if (offset > UINT64_MAX - base || base + offset > (uint64_t)SIZE_MAX / 2) return (toff_t)-1;
    memory->at = base + offset;
    return memory->at;
}

static int oss_tiff_close(thandle_t handle) { (void)handle; return 0; }
static toff_t oss_tiff_size(thandle_t handle) { return ((struct oss_tiff_memory *)handle)->size; }
/// Reading "maps" the caller's memory as it is: libtiff then takes strips and tiles straight from
/// it, with no copy of the compressed data (and without libtiff 4.5's non-mapped path, which
/// refuses valid uncompressed tiles read through TIFFRGBAImage).
static int oss_tiff_map(thandle_t handle, void **base, toff_t *size) {
    struct oss_tiff_memory *memory = (struct oss_tiff_memory *)handle;
    if (!memory->data || memory->out) return 0;
    *base = (void *)memory->data;
    *size = memory->size;
    return 1;
}
static void oss_tiff_unmap(thandle_t handle, void *base, toff_t size) { (void)handle; (void)base; (void)size; }

/// Keeps libtiff's first error message for the caller; warnings are dropped.
static int oss_tiff_error(TIFF *tif, void *user, const char *module, const char *format, va_list args) {
    (void)tif; (void)module;
    struct oss_tiff_memory *memory = (struct oss_tiff_memory *)user;
    if (memory && memory->message && memory->message[0] == 0) vsnprintf(memory->message, OSS_CODEC_ERROR_SIZE, format, args);
    return 1;
}

static int oss_tiff_warning(TIFF *tif, void *user, const char *module, const char *format, va_list args) {
    (void)tif; (void)user; (void)module; (void)format; (void)args;
    return 1;
}

/// The largest single allocation libtiff may make while reading: a bomb's strip or tile claims
/// more than any image inside OSS's limits needs (250 MP at 16-bit RGBA is 2 GB).
#define OSS_TIFF_MAX_ALLOC ((tmsize_t)2 << 30)

static TIFF *oss_tiff_open(struct oss_tiff_memory *memory, const char *mode) {
    if (!oss_tiff_loaded()) {
        OSS_FAIL(memory->message, "libtiff is not installed (it is loaded when a file needs it)");
        return NULL;
    }
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (!options) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(options, oss_tiff_error, memory);
    TIFFOpenOptionsSetWarningHandlerExtR(options, oss_tiff_warning, memory);
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, OSS_TIFF_MAX_ALLOC);
    TIFF *tif = TIFFClientOpenExt("memory", mode, (thandle_t)memory, oss_tiff_read, oss_tiff_write, oss_tiff_seek,
                                  oss_tiff_close, oss_tiff_size, oss_tiff_map, oss_tiff_unmap, options);
    TIFFOpenOptionsFree(options);
    return tif;
}

static void oss_tiff_fail(char *message, const char *fallback) {
    if (message[0] == 0) OSS_FAIL(message, "%s", fallback);
}

int oss_tiff_inspect(const uint8_t *data, size_t size, oss_tiff_info *info, char *message) {
    memset(info, 0, sizeof *info);
    message[0] = 0;
    if (size < 8) {
        OSS_FAIL(message, "TIFF shorter than its header");
        return -1;
    }
    struct oss_tiff_memory memory = { data, size, 0, NULL, 0, 0, message };
    TIFF *tif = oss_tiff_open(&memory, "r");
    if (!tif) {
        oss_tiff_fail(message, "invalid TIFF header");
        return -1;
    }
    uint32_t width = 0, height = 0, tile_width = 0, tile_height = 0, rows = 0;
    uint16_t bits = 1, samples = 1, photometric = 0, planar = PLANARCONFIG_CONTIG, extra_count = 0;
    uint16_t *extra = NULL;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &extra_count, &extra);
    int has_photometric = TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    info->width = width > INT32_MAX ? INT32_MAX : (int)width;
    info->height = height > INT32_MAX ? INT32_MAX : (int)height;
    info->bits_per_sample = bits;
    info->samples_per_pixel = samples;
    info->photometric = has_photometric ? photometric : -1;
    info->planar_separate = planar == PLANARCONFIG_SEPARATE;
    info->has_alpha = extra_count > 0 && extra && (extra[0] == EXTRASAMPLE_ASSOCALPHA || extra[0] == EXTRASAMPLE_UNASSALPHA);
    info->tiled = TIFFIsTiled(tif);
    if (info->tiled) {
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tile_width);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &tile_height);
        info->tile_width = tile_width > INT32_MAX ? INT32_MAX : (int)tile_width;
        info->tile_height = tile_height > INT32_MAX ? INT32_MAX : (int)tile_height;
        info->band_rows = info->tile_height;
        tmsize_t tile = TIFFTileSize(tif);
        info->block_bytes = tile > 0 ? (size_t)tile * (info->planar_separate ? samples : 1) : 0;
    } else {
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows);
        info->rows_per_strip = rows > height ? info->height : (int)rows;
        info->band_rows = info->rows_per_strip;
        tmsize_t strip = TIFFStripSize(tif);
        info->block_bytes = strip > 0 ? (size_t)strip * (info->planar_separate ? samples : 1) : 0;
    }
    uint16_t compression = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    info->compression = compression;
    // What the strips or tiles hold in the file, and what they decode to.
    uint32_t striles = TIFFNumberOfStrips(tif);
    if (info->tiled) striles = TIFFNumberOfTiles(tif);
    uint64_t stored = 0;
    for (uint32_t i = 0; i < striles && stored < size; i++) {
        uint64_t count = TIFFGetStrileByteCount(tif, i);
        stored += count < size ? count : size;
    }
    info->data_bytes = stored < size ? (size_t)stored : size;
    uint64_t blocks = info->tiled ? (uint64_t)TIFFNumberOfTiles(tif) : (uint64_t)TIFFNumberOfStrips(tif);
    uint64_t block = info->tiled ? (uint64_t)TIFFTileSize64(tif) : (uint64_t)TIFFStripSize64(tif);
    info->raw_bytes = block != 0 && blocks > UINT64_MAX / block ? SIZE_MAX : (size_t)(blocks * block);
    char why[1024] = { 0 };
    int ok = TIFFRGBAImageOK(tif, why);
    // Pages: the directory chain, walked by libtiff with its own loop detection.
    info->directories = (int)TIFFNumberOfDirectories(tif);
    TIFFClose(tif);
    if (!ok) {
        OSS_FAIL(message, "unsupported TIFF: %s", why);
        return -1;
    }
    if (width == 0 || height == 0) {
        OSS_FAIL(message, "TIFF of %ux%u pixels", width, height);
        return -1;
    }
    return 0;
}

int oss_tiff_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size,
                    const oss_stop *stop, char *message) {
    message[0] = 0;
    if (size < 8 || (channels != 3 && channels != 4)) {
        OSS_FAIL(message, "invalid TIFF decode request");
        return -1;
    }
    struct oss_tiff_memory memory = { data, size, 0, NULL, 0, 0, message };
    TIFF *tif = oss_tiff_open(&memory, "r");
    if (!tif) {
        oss_tiff_fail(message, "invalid TIFF header");
        return -1;
    }
    TIFFRGBAImage image;
    char why[1024] = { 0 };
    uint32_t *band = NULL;
    int status = -1, begun = 0;
    if (!TIFFRGBAImageBegin(&image, tif, 0, why)) {
        OSS_FAIL(message, "unsupported TIFF: %s", why);
        goto done;
    }
    begun = 1;
    size_t width = image.width, height = image.height, needed = 0;
    if (width == 0 || height == 0 || !oss_size_product(width, height, (size_t)channels, &needed) || needed > out_size) {
        OSS_FAIL(message, "TIFF output buffer too small");
        goto done;
    }
    // A band is a strip, or a row of tiles: libtiff decodes each strip or tile once.
    uint32_t rows = 0;
    if (TIFFIsTiled(tif)) TIFFGetField(tif, TIFFTAG_TILELENGTH, &rows);
    else TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows);
    if (rows == 0 || rows > height) rows = (uint32_t)height;
    size_t band_bytes = 0;
    // A whole-image band for RGBA output is decoded in place (the raster has the output's size).
    int in_place = channels == 4 && rows == height;
    if (!in_place) {
        if (!oss_size_product(width, rows, 4, &band_bytes) || !(band = (uint32_t *)malloc(band_bytes))) {
            OSS_FAIL(message, "out of memory");
            goto done;
        }
    }
    image.req_orientation = ORIENTATION_TOPLEFT;
    for (size_t row = 0; row < height; row += rows) {
        if (oss_should_stop(stop)) {
            OSS_FAIL(message, "stopped");
            status = OSS_CODEC_STOPPED;
            goto done;
        }
        size_t count = height - row < rows ? height - row : rows;
        uint32_t *raster = in_place ? (uint32_t *)out : band;
        image.row_offset = (int)row;
        image.col_offset = 0;
        if (!TIFFRGBAImageGet(&image, raster, (uint32_t)width, (uint32_t)count)) {
            oss_tiff_fail(message, "invalid TIFF image data");
            goto done;
        }
        // Each raster pixel is ABGR packed in 32 bits, alpha premultiplied when there is alpha.
        uint8_t *target = out + row * width * (size_t)channels;
        size_t pixels = count * width;
        for (size_t i = 0; i < pixels; i++) {
            uint32_t abgr = raster[i];
            uint32_t r = TIFFGetR(abgr), g = TIFFGetG(abgr), b = TIFFGetB(abgr), a = TIFFGetA(abgr);
            if (image.alpha && a != 0 && a != 255) {
                r = (r * 255 + a / 2) / a; g = (g * 255 + a / 2) / a; b = (b * 255 + a / 2) / a;
                if (r > 255) r = 255;
                if (g > 255) g = 255;
                if (b > 255) b = 255;
            }
            uint8_t *pixel = target + i * (size_t)channels;
            pixel[0] = (uint8_t)r; pixel[1] = (uint8_t)g; pixel[2] = (uint8_t)b;
            if (channels == 4) pixel[3] = image.alpha ? (uint8_t)a : 255;
        }
    }
    status = 0;
done:
    if (begun) TIFFRGBAImageEnd(&image);
    free(band);
    TIFFClose(tif);
    return status;
}

int oss_tiff_encode(const uint8_t *samples, int width, int height, int spp, int bits, int photometric,
                    const uint16_t *palette, int alpha, int tile, int compression,
                    const oss_stop *stop, uint8_t **out, size_t *out_size, char *message) {
    message[0] = 0;
    size_t row_bytes = 0;
    if (width <= 0 || height <= 0 || spp < 1 || spp > 5 || (bits != 8 && bits != 16) || tile < 0 || tile % 16 != 0
        || !oss_size_product((size_t)width, (size_t)spp, (size_t)bits / 8, &row_bytes)
        || (photometric == PHOTOMETRIC_PALETTE && (!palette || bits != 8 || spp != 1))) {
        OSS_FAIL(message, "invalid TIFF encode request");
        return -1;
    }
    struct oss_tiff_memory memory = { NULL, 0, 0, NULL, 0, 0, message };
    TIFF *tif = oss_tiff_open(&memory, "wm");
    if (!tif) {
        oss_tiff_fail(message, "cannot start a TIFF");
        free(memory.out);
        return -1;
    }
    int status = -1;
    uint8_t *block = NULL;
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)height);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)spp);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, (uint16_t)bits);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, (uint16_t)photometric);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, (uint16_t)compression);
    if (photometric == PHOTOMETRIC_SEPARATED) TIFFSetField(tif, TIFFTAG_INKSET, INKSET_CMYK);
    if (photometric == PHOTOMETRIC_PALETTE) {
        TIFFSetField(tif, TIFFTAG_COLORMAP, palette, palette + 256, palette + 512);
    }
    if (alpha) {
        uint16_t kind[1] = { EXTRASAMPLE_UNASSALPHA };
        TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, kind);
    }
    if (compression == COMPRESSION_LZW || compression == COMPRESSION_ADOBE_DEFLATE) {
        // Horizontal differencing: photographs compress to about half of what they would without.
        TIFFSetField(tif, TIFFTAG_PREDICTOR, photometric == PHOTOMETRIC_PALETTE ? PREDICTOR_NONE : PREDICTOR_HORIZONTAL);
    }
    if (tile > 0) {
        TIFFSetField(tif, TIFFTAG_TILEWIDTH, (uint32_t)tile);
        TIFFSetField(tif, TIFFTAG_TILELENGTH, (uint32_t)tile);
        size_t tile_row = 0, tile_bytes = 0;
        if (!oss_size_product((size_t)tile, (size_t)spp, (size_t)bits / 8, &tile_row)
            || !oss_size_product(tile_row, (size_t)tile, 1, &tile_bytes) || !(block = (uint8_t *)malloc(tile_bytes))) {
            OSS_FAIL(message, "out of memory");
            goto done;
        }
        for (int ty = 0; ty < height; ty += tile) {
            for (int tx = 0; tx < width; tx += tile) {
                if (oss_should_stop(stop)) {
                    OSS_FAIL(message, "stopped");
                    status = OSS_CODEC_STOPPED;
                    goto done;
                }
                memset(block, 0, tile_bytes);
                size_t pixel_bytes = (size_t)spp * (size_t)bits / 8;
                for (int y = 0; y < tile && ty + y < height; y++) {
                    int wide = width - tx < tile ? width - tx : tile;
                    memcpy(block + (size_t)y * tile_row, samples + (size_t)(ty + y) * row_bytes + (size_t)tx * pixel_bytes, (size_t)wide * pixel_bytes);
                }
                if (TIFFWriteEncodedTile(tif, TIFFComputeTile(tif, (uint32_t)tx, (uint32_t)ty, 0, 0), block, (tmsize_t)tile_bytes) < 0) {
                    oss_tiff_fail(message, "cannot write a TIFF tile");
                    goto done;
                }
            }
        }
    } else {
        // Strips of about 64 KiB, as libtiff suggests for readers that hold one strip at a time.
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(tif, (uint32_t)(65536 / (row_bytes ? row_bytes : 1))));
        // libtiff's predictor differences the row it is given in place: hand it a copy.
        if (!(block = (uint8_t *)malloc(row_bytes))) {
            OSS_FAIL(message, "out of memory");
            goto done;
        }
        for (int y = 0; y < height; y++) {
            if ((y & 63) == 0 && oss_should_stop(stop)) {
                OSS_FAIL(message, "stopped");
                status = OSS_CODEC_STOPPED;
                goto done;
            }
            memcpy(block, samples + (size_t)y * row_bytes, row_bytes);
            if (TIFFWriteScanline(tif, block, (uint32_t)y, 0) < 0) {
                oss_tiff_fail(message, "cannot write a TIFF row");
                goto done;
            }
        }
    }
    if (!TIFFWriteDirectory(tif)) {
        oss_tiff_fail(message, "cannot write the TIFF directory");
        goto done;
    }
    status = 0;
done:
    free(block);
    TIFFClose(tif);
    if (status == 0 && memory.failed) {
        OSS_FAIL(message, "out of memory");
        status = -1;
    }
    if (status != 0) {
        free(memory.out);
        return status;
    }
    *out = memory.out;
    *out_size = memory.size;
    return 0;
}
