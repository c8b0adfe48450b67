#ifndef SWIFT_OSS_JPEG_GUARD_H
#define SWIFT_OSS_JPEG_GUARD_H
// libjpeg's error manager and progress monitor, joined: both leave through the same jump.
#include "codecs_internal.h"
#include <setjmp.h>
#include <jpeglib.h>

/// A valid progressive JPEG has about ten scans; thousands of tiny ones make libjpeg walk every
/// coefficient thousands of times (libjpeg-turbo suggests limiting them; its own tools use 500).
#define OSS_JPEG_MAX_SCANS 500

struct oss_jpeg_guard {
    struct jpeg_error_mgr base;         // first: cinfo->err points here
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    char *message;
    const oss_stop *stop;
    int stopped;
};

/// Routes libjpeg's errors, and a stop or too many scans seen by the progress monitor, to
/// `message` and a longjmp back into the calling function, silently. Set `cinfo.progress` to
/// `&guard->progress` after jpeg_create_*, which clears it.
struct jpeg_error_mgr *oss_jpeg_guard_init(struct oss_jpeg_guard *guard, char *message, const oss_stop *stop);

/// What a function returns after the jump: OSS_CODEC_STOPPED when the stop asked, else -1.
int oss_jpeg_guard_status(const struct oss_jpeg_guard *guard);

/// A growing output buffer for libjpeg that this code owns, so that an error or a stop in the
/// middle of an encode frees exactly what was allocated. (jpeg_mem_dest keeps its grown buffer
/// private and leaves the caller's pointer at the first one, which it has already freed.)
struct oss_jpeg_output {
    struct jpeg_destination_mgr base;   // first: cinfo->dest points here
    uint8_t *data;
    size_t capacity;
    size_t length;
};

/// Points `cinfo->dest` at `output`; after an error, free(output->data).
void oss_jpeg_output_attach(j_compress_ptr cinfo, struct oss_jpeg_output *output);

/// Checks that a region lies inside the image. Fills `message` if not.
int oss_jpeg_check_region(j_decompress_ptr cinfo, int x, int y, int w, int h, char *message);

/// Before jpeg_start_decompress: asks for RGB(A) with `channels`, or for CMYK from a CMYK or YCCK
/// file. Returns the samples per decoded pixel (4 for CMYK: convert rows with oss_jpeg_cmyk_to_rgb).
int oss_jpeg_set_output(j_decompress_ptr cinfo, int channels);

/// CMYK samples decoded by libjpeg to RGB (channels 3) or opaque RGBA (4), inverted when the file
/// has Photoshop's Adobe marker.
void oss_jpeg_cmyk_to_rgb(j_decompress_ptr cinfo, const JSAMPLE *cmyk, uint8_t *out, size_t pixels, int channels);

/// The pixels oss_jpeg_seek_region decodes on each side of a region (one iMCU).
#define OSS_JPEG_REGION_MARGIN 16

/// After jpeg_start_decompress: restricts decoding to the iMCU columns around [x, x + w) and skips
/// the rows above y, keeping a margin of one iMCU (16 px) on each side where the image allows:
/// chroma upsampling looks at neighbouring samples, and at a crop or skip boundary it would see
/// none. With the margin, the region's pixels equal those of a full decode. Returns the first row
/// the next jpeg_read_scanlines yields; `*skip` is the byte offset of column x in a decoded row.
/// The region must have passed oss_jpeg_check_region.
int oss_jpeg_seek_region(j_decompress_ptr cinfo, int x, int y, int w, int channels, size_t *skip);

/// Where a decompressor fed by a split decode's coefficients is (JPEGSplitDecode.c): the next MCU
/// libjpeg asks for, and the part that holds it.
typedef struct {
    const oss_jpeg_split *split;
    size_t mcu;
    int segment;
    int missed; // libjpeg asked for an MCU past those decoded (oss_jpeg_split_open_rows)
} oss_jpeg_split_cursor;

/// After jpeg_start_decompress: `cinfo`'s entropy decoder serves the MCUs of `split` (a joined
/// full-size split decode of the same data), from the first, through `cursor` (which must
/// outlive the decode, and `cinfo->client_data` is then its). A NULL `split` leaves libjpeg's
/// own decoder. 0; -1, with the reason in `message`, if they do not belong together.
int oss_jpeg_split_attach(const oss_jpeg_split *split, j_decompress_ptr cinfo, oss_jpeg_split_cursor *cursor, char *message);

/// After the rows are read: OSS_JPEG_SPLIT_SHORT, with the reason in `message`, if libjpeg asked
/// the attached split for an MCU past those it decoded (decode again without it); else 0.
int oss_jpeg_split_missed(const oss_jpeg_split_cursor *cursor, char *message);

#endif
