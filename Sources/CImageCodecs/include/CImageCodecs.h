#ifndef SWIFT_OSS_CIMAGECODECS_H
#define SWIFT_OSS_CIMAGECODECS_H
// A thin C layer over libjpeg-turbo, libpng, libwebp and ISA-L. libjpeg reports errors by
// longjmp; the jump never leaves these functions, which return 0 on success and fill `error`.
//
// Every size here comes from an untrusted file or from a caller that read one: each function
// checks its dimensions and the products it allocates with before calling malloc or indexing.
#include <stddef.h>
#include <stdint.h>

#define OSS_CODEC_ERROR_SIZE 200

/// Returned (instead of -1) when `stop` asked the work to end: the caller knows why (time limit,
/// cancellation) and says so; `error` then holds only "stopped".
#define OSS_CODEC_STOPPED (-2)

/// Lets long work end early. `should_stop(context)` is called between scanlines (and from
/// libjpeg's progress monitor inside multi-scan decoding and encoding, and between blocks of
/// compressed input); nonzero stops the work within a scanline or a few kilobytes of input. It may
/// be called from several threads at once (band decoders, the transcode's encoder thread). A NULL
/// `oss_stop *` never stops.
typedef struct oss_stop {
    int (*should_stop)(void *context);
    void *context;
} oss_stop;

/// What a JPEG's header says, read without decoding pixels.
typedef struct oss_jpeg_info {
    int width;
    int height;
    int components;
    /// CMYK or YCCK: decoded as CMYK and converted to RGB here.
    int cmyk;
    /// Progressive or non-interleaved: libjpeg holds every coefficient of the image while decoding.
    int multi_scan;
    /// Arithmetic-coded: no lower bound on the bytes an image of this size needs.
    int arithmetic;
    /// Bytes of the whole-image coefficient buffer a multi-scan decode allocates.
    size_t coefficient_bytes;
    /// The fewest bytes of entropy-coded data a complete image of this size can have with Huffman
    /// coding (at least one bit per 8×8 block for progressive, two for sequential); 0 when unknown.
    size_t minimum_bytes;
    /// MCUs of an interleaved scan of all the image's components (one block an MCU for a single
    /// component): the split decoder keeps a record of each.
    size_t mcus;
    /// Whether a decode at 1/8 reads AC coefficients: libjpeg-turbo scales a component sampled
    /// at half the largest factor both ways (4:2:0 chroma) by 2/8 instead of 1/8.
    int reads_ac_at_one_eighth;
} oss_jpeg_info;

/// Reads a JPEG's header.
int oss_jpeg_inspect(const uint8_t *data, size_t size, oss_jpeg_info *info, char *error);

/// Decodes the rectangle (x, y, w, h) as RGB (channels 3) or RGBA (channels 4) into `out`
/// (`out_size` >= w * h * channels bytes). Only the rows and iMCU columns the rectangle needs are
/// decoded; decoding stops after its last row.
int oss_jpeg_decode_region(const uint8_t *data, size_t size, int x, int y, int w, int h, int channels,
                           uint8_t *out, size_t out_size, const oss_stop *stop, char *error);

/// oss_jpeg_decode_region on the image libjpeg-turbo's scaled inverse DCT makes at
/// `scale_eighths`/8 (1...8): ceil(width * n / 8) by ceil(height * n / 8), the rectangle given in
/// that image's pixels. The full-size image is never made. `tone` (NULL for none): a 256-entry
/// table each colour sample goes through as its rows arrive (oss_apply_table_in_place), so that a
/// bright/contrast first action costs no pass of its own over the image.
///
/// `coefficients` (NULL for none): a joined full-size split decode of the same data
/// (oss_jpeg_split_open with scale 8). libjpeg then takes each MCU's coefficients from it instead
/// of Huffman-decoding them, so that rows above the rectangle are skipped at almost no cost: band
/// decoders of one image share a single Huffman decode made on all cores. The pixels are the same.
/// A split from oss_jpeg_split_open_rows serves a rectangle above its end row; past it the decode
/// returns OSS_JPEG_SPLIT_SHORT.
typedef struct oss_jpeg_split oss_jpeg_split;
int oss_jpeg_decode_scaled_region(const uint8_t *data, size_t size, int scale_eighths, int x, int y, int w, int h, int channels,
                                  const uint8_t *tone, const oss_jpeg_split *coefficients, uint8_t *out, size_t out_size,
                                  const oss_stop *stop, char *error);

/// glibc's mallopt M_MMAP_THRESHOLD and M_TRIM_THRESHOLD (see PixelMemory.swift); 1 if both
/// took, 0 if not or not glibc.
int oss_keep_freed_memory(int mmap_threshold, int trim_threshold);

/// A scaled decode of a baseline JPEG whose Huffman decoding runs in `parts` on as many cores
/// (JPEGSplitDecode.c says how), with pixels equal to oss_jpeg_decode_scaled_region's of the
/// whole image. Use: open; oss_jpeg_split_decode_part for every part in 0..<parts, at once;
/// oss_jpeg_split_join; oss_jpeg_split_finish_rows over all MCU rows, disjoint ranges at once;
/// close. `scale_eighths` is 1, 2 or 4; or 8 for a full-size decode's coefficients, which
/// oss_jpeg_decode_scaled_region's band decoders turn into pixels (no oss_jpeg_split_finish_rows).

/// 0 and `*out` set; 1: this file is not one the split decode takes (decode it with libjpeg);
/// -1: an error in `message`. `stop` must outlive the decoder.
int oss_jpeg_split_open(const uint8_t *data, size_t size, int scale_eighths, int channels, int parts, const oss_stop *stop,
                        oss_jpeg_split **out, char *message);
/// A full-size split decode for the region of pixel rows [first_row, end_row) (a circle, a crop),
/// decoded by one libjpeg decoder (oss_jpeg_decode_scaled_region, oss_jpeg_masked_transcode) that
/// would otherwise Huffman-decode every row above the region on one core only to skip it. The
/// parts only parse the data down to the region's end (its share taken as even), keeping a DC a
/// block and a reader every 16 MCUs; after the join, oss_jpeg_split_region_pieces and
/// oss_jpeg_split_decode_region (the pieces at once) decode the region's own MCUs whole, each
/// piece from a kept reader. A decode that asks for an MCU outside them returns
/// OSS_JPEG_SPLIT_SHORT (decode again without the split). Returns as oss_jpeg_split_open.
int oss_jpeg_split_open_rows(const uint8_t *data, size_t size, int channels, int parts, int first_row, int end_row, const oss_stop *stop,
                             oss_jpeg_split **out, char *message);
/// After a join that returned 0: the region's MCUs in at most `pieces` pieces; the count (0 for a
/// split not from oss_jpeg_split_open_rows).
int oss_jpeg_split_region_pieces(oss_jpeg_split *split, int pieces);
void oss_jpeg_split_decode_region(oss_jpeg_split *split, int piece);
/// 1 when every piece is decoded (or the split has no region), 0 if one gave up (out of memory,
/// or the stop asked): then decode with libjpeg alone.
int oss_jpeg_split_region_complete(const oss_jpeg_split *split);
/// A decode on a split from oss_jpeg_split_open_rows that needed MCUs below its rows.
#define OSS_JPEG_SPLIT_SHORT 3
/// The parts the decoder uses: fewer than asked for when the data is small.
int oss_jpeg_split_parts(const oss_jpeg_split *split);
void oss_jpeg_split_decode_part(oss_jpeg_split *split, int part);
/// 0 when every MCU is decoded; 1 if the decode gave up (decode with libjpeg instead); -1 out of
/// memory; OSS_CODEC_STOPPED if the stop asked.
int oss_jpeg_split_join(oss_jpeg_split *split);
size_t oss_jpeg_split_mcu_rows(const oss_jpeg_split *split);
/// The decoded image's size: `out` of oss_jpeg_split_finish_rows holds width × height × channels.
void oss_jpeg_split_size(const oss_jpeg_split *split, int *width, int *height);
/// The pixels of MCU rows [first_row, end_row) into `out`, after a join that returned 0. 0, or
/// -1 out of memory.
int oss_jpeg_split_finish_rows(oss_jpeg_split *split, size_t first_row, size_t end_row, uint8_t *out);
/// Bytes of records and coefficients the split's decoders hold now, for tests of the plan's
/// estimate (ProcessPlan.splitDecodeBytes): what is written, not what is reserved.
size_t oss_jpeg_split_held_bytes(const oss_jpeg_split *split);
void oss_jpeg_split_close(oss_jpeg_split *split);

/// Encodes RGB or RGBA (alpha ignored) pixels (`width * height * channels` bytes). `*out` is
/// malloc'd; free it with oss_free().
int oss_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality, int progressive,
                    const oss_stop *stop, uint8_t **out, size_t *out_size, char *error);

/// Reads a PNG's size and whether it has alpha, without decoding pixels.
int oss_png_header(const uint8_t *data, size_t size, int *width, int *height, int *has_alpha, char *error);

/// Decodes a PNG to 8-bit RGBA (channels 4) or RGB (channels 3).
int oss_png_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size,
                   const oss_stop *stop, char *error);

/// What a WebP's header says.
typedef struct oss_webp_info {
    int width;
    int height;
    int has_alpha;
    /// VP8L: the decoder holds a 32-bit pixel for every pixel of the image while decoding.
    int lossless;
} oss_webp_info;

/// Reads a WebP's header.
int oss_webp_inspect(const uint8_t *data, size_t size, oss_webp_info *info, char *error);

/// Decodes a WebP to RGBA (channels 4) or RGB (channels 3), `width * channels` bytes a row, fed to
/// libwebp's incremental decoder a block at a time so that `stop` is looked at between blocks.
int oss_webp_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size,
                    const oss_stop *stop, char *error);

/// The effort ("method", 0 to 6) WebP images are encoded at: see WebP.c for why not libwebp's 4.
#define OSS_WEBP_EFFORT 2

/// Encodes lossy WebP at `quality` with libwebp's default preset at `effort` (libwebp's
/// `method`, 0 to 6), on libwebp's second thread when `threads` > 1, with `stop` asked from
/// libwebp's progress hook. `*out` is freed with oss_webp_free().
int oss_webp_encode(const uint8_t *pixels, int width, int height, int channels, int quality, int effort, int threads,
                    const oss_stop *stop, uint8_t **out, size_t *out_size, char *error);

void oss_webp_free(void *pointer);

void oss_free(void *pointer);

/// JPEG to JPEG for a square region masked to row spans (the circle), streamed: one thread decodes
/// rows of the region (only the rows and iMCU columns it needs, stopping after the last one) while
/// another encodes them, through a small ring of rows, so the decoded image is never held whole.
/// Row r keeps columns [left[r], right[r]) and is white elsewhere; both arrays have `side` entries
/// with 0 <= left <= right <= side. `*out` is malloc'd. `coefficients` (NULL for none): a joined
/// split decode of the same data (oss_jpeg_split_open_rows down to y + side, or the whole image)
/// whose MCUs the decoder takes instead of Huffman-decoding them; OSS_JPEG_SPLIT_SHORT if they
/// did not reach far enough.
int oss_jpeg_masked_transcode(const uint8_t *data, size_t size, int x, int y, int side,
                              const int32_t *left, const int32_t *right, int quality, int progressive,
                              const oss_jpeg_split *coefficients, const oss_stop *stop, uint8_t **out, size_t *out_size,
                              char *error);

/// The zlib stream of a PNG's IDAT: rows filtered (adaptive, libpng's heuristic scored on every
/// fourth pixel) and compressed by ISA-L, in `parts` horizontal bands, each filtered and compressed by
/// its own thread while its rows are in cache (one after another on this thread when `threads` is
/// 1: the same bytes); bands are joined with full flushes and the Adler-32s combined. `*out` is
/// malloc'd. Returns 0 on success, OSS_CODEC_STOPPED when `stop` asked.
int oss_png_idat_parallel(const uint8_t *pixels, int width, int height, int bpp, int parts, int threads, int level,
                          const oss_stop *stop, uint8_t **out, size_t *out_size);
/// Returned by `oss_png_idat_parallel` when ISA-L (loaded on first use) is not installed: the
/// function has no message buffer, so PNGEncoder.swift words it, as the other lazy libraries do.
#define OSS_PNG_NO_ISAL (-3)
/// PNG's CRC-32 of a chunk (ISA-L's, the same as zlib's `crc32`), continuing from `crc`.
uint32_t oss_png_crc32(uint32_t crc, const uint8_t *data, size_t size);

// MARK: Filters (quality estimation)

/// Copies the quantisation tables of a JPEG's first component (`luminance`, 64 entries) and, when
/// there is one, of its second (`chrominance`, 64 entries), in natural order, from the header alone.
/// `*found` gets bit 0 for the first table and bit 1 for the second. Returns 0, or -1 with `error`.
int oss_jpeg_quant_tables(const uint8_t *data, size_t size, uint16_t *luminance, uint16_t *chrominance,
                          int *found, char *error);

// ---------------------------------------------------------------------------------------------
// GIF (giflib), TIFF (libtiff), HEIC (libheif) and AVIF (libavif). Each reads from and writes to
// memory only; every size is checked before it meets malloc.

/// A GIF read frame by frame onto a canvas of the logical screen's size (RGBA, 4 bytes a pixel,
/// rows packed, transparent where nothing was drawn), applying each frame's disposal before the
/// next one is drawn. Opened over memory that must outlive it.
typedef struct oss_gif_decoder oss_gif_decoder;

/// Opens a GIF and reads its screen descriptor. NULL on failure, with `error` filled.
oss_gif_decoder *oss_gif_decoder_open(const uint8_t *data, size_t size, int *width, int *height, char *error);

/// Draws the next frame onto the canvas and points `*canvas` at it (valid until the next call).
/// Returns 1 for a frame, 0 at the end of the file, -1 on a malformed file, OSS_CODEC_STOPPED when
/// `stop` asked (it is looked at between rows). `*delay` gets the frame's delay in 1/100 s.
int oss_gif_decoder_next(oss_gif_decoder *decoder, const uint8_t **canvas, int *delay, const oss_stop *stop, char *error);

void oss_gif_decoder_close(oss_gif_decoder *decoder);

/// A GIF89a written frame by frame to memory.
typedef struct oss_gif_encoder oss_gif_encoder;

/// Starts a GIF of the given screen size; `loop_count` >= 0 writes the NETSCAPE2.0 loop block
/// (0 loops forever), -1 writes none (a still image).
oss_gif_encoder *oss_gif_encoder_open(int width, int height, int loop_count, char *error);

/// Adds a frame of `w * h` palette indices at (left, top), with its own colour table of `colors`
/// (1...256) RGB triplets, `transparent` the transparent index or -1, `delay` in 1/100 s,
/// `disposal` 0...3, `interlace` 0 or 1.
int oss_gif_encoder_add(oss_gif_encoder *encoder, const uint8_t *indices, int left, int top, int w, int h,
                        const uint8_t *palette, int colors, int transparent, int delay, int disposal, int interlace,
                        const oss_stop *stop, char *error);

/// Writes the trailer, hands over the bytes (free with oss_free) and frees the encoder.
int oss_gif_encoder_finish(oss_gif_encoder *encoder, uint8_t **out, size_t *out_size, char *error);

/// Frees an encoder that will not be finished.
void oss_gif_encoder_abort(oss_gif_encoder *encoder);

/// What a TIFF's first directory says.
typedef struct oss_tiff_info {
    int width;
    int height;
    int bits_per_sample;
    int samples_per_pixel;
    int photometric;
    int planar_separate;
    int tiled;
    int tile_width;
    int tile_height;
    int rows_per_strip;
    int has_alpha;
    /// Directories (pages) in the file; only the first is decoded.
    int directories;
    /// Bytes libtiff holds while decoding one strip or tile (all planes of it), decoded.
    size_t block_bytes;
    /// Rows decoded at a time: a strip's or a tile row's.
    int band_rows;
    /// The first directory's COMPRESSION_* value.
    int compression;
    /// Bytes of strip or tile data the directory declares, each count capped at the file's size.
    size_t data_bytes;
    /// Bytes the decoded samples take (all strips or tiles, all planes).
    size_t raw_bytes;
} oss_tiff_info;

/// Opens a TIFF's first directory and checks that libtiff can decode it.
int oss_tiff_inspect(const uint8_t *data, size_t size, oss_tiff_info *info, char *error);

/// Decodes the first directory to 8-bit RGBA (channels 4, straight alpha) or RGB (channels 3),
/// one strip or tile row at a time through libtiff's RGBA interface (every photometric it knows:
/// grey, palette, RGB, CMYK, YCbCr, 1 to 16 bits), looking at `stop` between bands.
int oss_tiff_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size,
                    const oss_stop *stop, char *error);

/// Writes samples as a TIFF: `samples` bytes of `width * height * spp * (bits / 8)` in the
/// machine's byte order for 16 bits, contiguous. `photometric` is a TIFF PHOTOMETRIC_* value;
/// `palette` (3 * 2^bits 16-bit values, R then G then B) is used for PHOTOMETRIC_PALETTE;
/// `alpha` marks the last sample as unassociated alpha; `tile` > 0 writes tiles of that side (a
/// multiple of 16), else strips of about 64 KiB; `compression` is a COMPRESSION_* value.
int oss_tiff_encode(const uint8_t *samples, int width, int height, int spp, int bits, int photometric,
                    const uint16_t *palette, int alpha, int tile, int compression,
                    const oss_stop *stop, uint8_t **out, size_t *out_size, char *error);

/// What a HEIF's primary image says.
typedef struct oss_heif_info {
    /// After the file's rotation, mirroring and crop, as decoded.
    int width;
    int height;
    int has_alpha;
    int premultiplied;
    int bit_depth;
    /// Top-level images in the file.
    int images;
    /// Bytes of the primary image's first Exif block (with its 4-byte offset), 0 when none.
    size_t exif_bytes;
} oss_heif_info;

int oss_heif_inspect(const uint8_t *data, size_t size, oss_heif_info *info, char *error);

/// Copies the primary image's Exif block (TIFF header onwards) into `out`; returns its length,
/// 0 when there is none, -1 on error.
long oss_heif_exif(const uint8_t *data, size_t size, uint8_t *out, size_t out_size, char *error);

/// Decodes the primary image to 8-bit RGB or RGBA (straight alpha).
int oss_heif_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size,
                    const oss_stop *stop, char *error);

/// Encodes 8-bit RGB or RGBA as HEIC (HEVC through libheif's x265 plugin) at `quality`.
/// `*out` is freed with oss_free().
int oss_heif_encode(const uint8_t *pixels, int width, int height, int channels, int quality,
                    const oss_stop *stop, uint8_t **out, size_t *out_size, char *error);

/// The name of the HEVC encoder libheif would use, or "" when it has none.
const char *oss_heif_encoder_name(void);

/// What an AVIF's header says.
typedef struct oss_avif_info {
    int width;
    int height;
    int has_alpha;
    int depth;
    /// Frames of an image sequence, 1 for a still.
    int frames;
    size_t exif_bytes;
} oss_avif_info;

int oss_avif_inspect(const uint8_t *data, size_t size, oss_avif_info *info, char *error);

/// Copies the Exif payload (TIFF header onwards) into `out`; returns its length, 0 when none.
long oss_avif_exif(const uint8_t *data, size_t size, uint8_t *out, size_t out_size, char *error);

/// Decodes the first frame to 8-bit RGB or RGBA (straight alpha), straight into `out`.
int oss_avif_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size,
                    const oss_stop *stop, char *error);

/// Encodes 8-bit RGB or RGBA (`depth` 8), or 16-bit samples (`depth` 10 or 12, values in the
/// depth's range) as a still AVIF (AV1 through libavif's default encoder) at `quality` 1...100
/// with `speed` 0...10. `*out` is freed with oss_free().
int oss_avif_encode(const void *pixels, int width, int height, int channels, int depth, int quality, int speed,
                    const oss_stop *stop, uint8_t **out, size_t *out_size, char *error);

/// The name of the AV1 encoder libavif would use, or "" when it has none.
const char *oss_avif_encoder_name(void);

/// Encodes CMYK samples (4 bytes a pixel, 0 = no ink) as a JPEG with libjpeg: `ycck` stores
/// YCCK instead of CMYK; `adobe` writes the Adobe APP14 marker and inverted samples, as
/// Photoshop does. For tests and tools that need CMYK sources.
int oss_jpeg_encode_cmyk(const uint8_t *cmyk, int width, int height, int quality, int ycck, int adobe,
                         uint8_t **out, size_t *out_size, char *error);

/// Encodes RGB pixels with a chosen layout: grey (one component), the luma's sampling factors
/// (chroma is 1×1), restart markers every `restart_rows` MCU rows (0: none), optimised Huffman
/// tables, progressive. For tests of decoders that take some layouts and not others.
int oss_jpeg_encode_layout(const uint8_t *pixels, int width, int height, int grey, int quality, int h_sampling, int v_sampling,
                           int restart_rows, int optimize, int progressive, uint8_t **out, size_t *out_size, char *error);

// MARK: Text (FreeType, HarfBuzz): watermark text
//
// Text is shaped by HarfBuzz (ligatures, kerning, combining marks, CJK) with per-character font
// fallback along a chain of fonts, and its glyphs are rasterised, anti-aliased, by FreeType into
// an 8-bit coverage mask. Each oss_text owns its FreeType library and faces, so texts may be
// shaped and rendered on several threads at once; the font bytes they read are shared.

/// Maps a font file read-only into memory for the life of the process (never unmapped: fonts are
/// cached once per process). Only regular files up to 256 MiB are mapped.
int oss_font_map(const char *path, const uint8_t **data, size_t *size, char *error);

/// One font of a fallback chain: its file's bytes and the face's index in a collection.
typedef struct oss_font_source {
    const uint8_t *data;
    size_t size;
    int face_index;
} oss_font_source;

/// Shaped text: glyphs, their positions and their ink's bounding box.
typedef struct oss_text oss_text;

/// Shapes `length` bytes of UTF-8 at `pixel_size` px (the em) with the fonts of `fonts` (the
/// first is the requested one; each character takes the first font that has it; combining marks,
/// joiners and variation selectors stay with the character before them). On success `*text`
/// holds the result, and `ink_width` x `ink_height` is the size of its ink (0 x 0 for text with
/// no visible glyph). At most `max_glyphs` glyphs are accepted.
int oss_text_shape(const oss_font_source *fonts, int font_count, const char *utf8, size_t length, int pixel_size,
                   int max_glyphs, oss_text **text, int32_t *ink_width, int32_t *ink_height, char *error);

/// Renders the ink into `mask` (`width * height` bytes, zeroed by the caller, width and height
/// the ink size from oss_text_shape): the ink box's top-left corner is the mask's (0, 0).
int oss_text_render(const oss_text *text, uint8_t *mask, int32_t width, int32_t height, const oss_stop *stop, char *error);

/// Glyphs in the shaped text, and how many of them no font of the chain had (.notdef).
void oss_text_glyph_counts(const oss_text *text, int *glyphs, int *missing);

void oss_text_free(oss_text *text);

/// The horizontal pass of a separable resampling: `rows` rows of `src` (3 or 4 channels), output
/// pixel x of each the sum over k < counts[x] of weights[x * taps + k] times source pixel
/// starts[x] + k, rounded and clamped.
void oss_resample_horizontal(const uint8_t *src, size_t src_stride, int rows, int channels,
                             const int32_t *starts, const int32_t *counts, const float *weights, int taps, int target,
                             uint8_t *dst, size_t dst_stride);

/// The vertical pass: output rows [first_output, first_output + outputs), row y the weighted sum
/// of rows starts[y] + k of `src` (k < counts[y]). `accumulator` holds row_bytes floats.
void oss_resample_vertical(const uint8_t *src, size_t row_bytes, int first_output, int outputs,
                           const int32_t *starts, const int32_t *counts, const float *weights, int taps,
                           float *accumulator, uint8_t *dst);

/// `turns` (1...3) clockwise quarter turns of a width × height image of 3 or 4 channels: output
/// rows [first_row, first_row + rows) of the turned image (height × width for odd turns).
void oss_rotate_quarters(const uint8_t *src, int width, int height, int channels, int turns,
                         uint8_t *dst, int first_row, int rows);

/// Rows [first_row, first_row + rows) of a separable Gaussian of `taps` (odd) weights over a
/// width × height image (edges repeated), alpha kept: blurred when `amount` < 0, else the unsharp
/// mask original + amount × (original − blurred). `sums` holds (width + taps - 1) × channels floats
/// for the padded row, then width × channels for the blurred one.
void oss_gaussian_rows(const uint8_t *src, int width, int height, int channels, const float *weights, int taps,
                       float amount, int first_row, int rows, float *sums, uint8_t *dst);

/// Joins `count` baseline JPEGs of consecutive bands of one width × height image (each
/// `band_rows` rows, a multiple of the MCU height, but the last; all from the same encoder and
/// settings) into one JPEG with a restart marker between bands. 0 and *out (free with oss_free);
/// 1 when no restart interval fits (encode in one pass instead); -1 and a message on bad bands.
int oss_jpeg_join_bands(const uint8_t *const *parts, const size_t *sizes, int count, int band_rows, int width, int height,
                        uint8_t **out, size_t *out_size, char *message);

/// `pixels` pixels of `channels` samples from src to dst, each colour sample through `table` (256
/// entries); a fourth channel (alpha) is copied.
void oss_apply_table(const uint8_t *src, uint8_t *dst, size_t pixels, int channels, const uint8_t *table);
/// body(context, i) for every i in [0, count), on the calling thread and up to `threads` - 1
/// helper threads of this library's, each woken on a CPU other than the caller's (BandThreads.c
/// says why); returns when all are done. 0; 1 (nothing run) when the helpers are serving another
/// stage, cannot be started, or the platform is not Linux: run the bands another way.
int oss_band_threads_run(size_t count, int threads, void (*body)(void *context, size_t index), void *context);

/// oss_apply_table with the samples mapped where they are.
void oss_apply_table_in_place(uint8_t *samples, size_t pixels, int channels, const uint8_t *table);
/// 1 when oss_apply_table maps 64 samples at once on this processor (AVX-512 VBMI), else 0.
int oss_apply_table_vectorised(void);

/// Canvas rows [first_row, first_row + rows) of ImageKernels.rotateAnyAngle: bilinear, premultiplied,
/// the uncovered canvas white (or left as it is when `transparent`, the output then RGBA).
void oss_rotate_any_rows(const uint8_t *src, int source_width, int source_height, int source_channels,
                         int width, int height, int transparent, double cosine, double sine,
                         int first_row, int rows, uint8_t *dst);

#endif
