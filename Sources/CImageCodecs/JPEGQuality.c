// libjpeg-turbo: a JPEG's quantisation tables, read from its header, for estimating the quality
// it was written at (quality,q_ is relative to it).
#include "codecs_internal.h"
#include "jpeg_guard.h"
#include <string.h>

int oss_jpeg_quant_tables(const uint8_t *data, size_t size, uint16_t *luminance, uint16_t *chrominance,
                          int *found, char *message) {
    struct jpeg_decompress_struct cinfo;
    struct oss_jpeg_guard guard;
    *found = 0;
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
    // DQT segments precede the frame header, so the tables are there once the header is read.
    jpeg_read_header(&cinfo, TRUE);
    for (int c = 0; c < cinfo.num_components && c < 2; c++) {
        int slot = cinfo.comp_info[c].quant_tbl_no;
        if (slot < 0 || slot >= NUM_QUANT_TBLS || cinfo.quant_tbl_ptrs[slot] == NULL) continue;
        // libjpeg keeps quantval in natural (row-major) order, as the standard tables are printed.
        memcpy(c == 0 ? luminance : chrominance, cinfo.quant_tbl_ptrs[slot]->quantval, DCTSIZE2 * sizeof(uint16_t));
        *found |= 1 << c;
    }
    jpeg_destroy_decompress(&cinfo);
    return 0;
}
