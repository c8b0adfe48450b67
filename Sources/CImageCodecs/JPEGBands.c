// A JPEG encoded in horizontal bands on several cores, joined into one baseline JPEG with restart
// markers: the bands are encoded as separate JPEGs by the same encoder and settings (so they share
// the quantisation and the standard Huffman tables), each band a whole number of MCU rows but the
// last. A decoder's state at a restart marker is exactly a fresh encoder's (DC predictions zero,
// the bit buffer padded with ones to a byte), so band i's entropy-coded data is the restart
// interval i of the whole image. The pixels decoded are those of the one-pass encode: every MCU
// is made from the same rows and padded the same way (only the image's last rows are padded).
#include "codecs_internal.h"
#include <stdlib.h>
#include <string.h>

/// Where a band JPEG's entropy-coded data starts (after its SOS header), its SOF0's offset, and the
/// largest sampling factors; 0 on success.
static int oss_jpeg_band_layout(const uint8_t *data, size_t size, size_t *sos, size_t *entropy, size_t *sof, int *h_max, int *v_max) {
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8 || data[size - 2] != 0xFF || data[size - 1] != 0xD9) return -1;
    size_t at = 2;
    *sof = 0;
    *h_max = 0;
    *v_max = 0;
    while (at + 4 <= size) {
        if (data[at] != 0xFF) return -1;
        uint8_t marker = data[at + 1];
        size_t length = ((size_t)data[at + 2] << 8) | data[at + 3];
        if (length < 2 || at + 2 + length > size) return -1;
        if (marker == 0xDA) {
            *sos = at;
            *entropy = at + 2 + length;
            return *sof == 0 || *entropy > size - 2 ? -1 : 0;
        }
        if (marker == 0xC0) {
            // SOF0: length, precision, height, width, components, then 3 bytes a component.
            if (length < 8) return -1;
            int components = data[at + 9];
            if (components < 1 || length < 8 + 3 * (size_t)components) return -1;
            for (int c = 0; c < components; c++) {
                int factors = data[at + 11 + 3 * c];
                if ((factors >> 4) > *h_max) *h_max = factors >> 4;
                if ((factors & 15) > *v_max) *v_max = factors & 15;
            }
            if (components == 1) { *h_max = 1; *v_max = 1; } // one component: an MCU is a block
            *sof = at;
        } else if (marker >= 0xC1 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
            return -1; // not baseline
        } else if (marker == 0xDD) {
            return -1; // already has restarts
        }
        at += 2 + length;
    }
    return -1;
}

int oss_jpeg_join_bands(const uint8_t *const *parts, const size_t *sizes, int count, int band_rows, int width, int height,
                        uint8_t **out, size_t *out_size, char *message) {
    *out = NULL;
    *out_size = 0;
    if (count < 1 || band_rows < 1 || width < 1 || height < 1 || height > OSS_JPEG_MAX_SIDE || width > OSS_JPEG_MAX_SIDE) {
        OSS_FAIL(message, "invalid JPEG bands");
        return -1;
    }
    size_t sos0, entropy0, sof0;
    int h_max, v_max;
    if (oss_jpeg_band_layout(parts[0], sizes[0], &sos0, &entropy0, &sof0, &h_max, &v_max) != 0 || h_max < 1 || v_max < 1) {
        OSS_FAIL(message, "a JPEG band is not a baseline JPEG");
        return -1;
    }
    int mcu_width = 8 * h_max, mcu_height = 8 * v_max;
    unsigned long mcus_per_row = ((unsigned long)width + (unsigned long)mcu_width - 1) / (unsigned long)mcu_width;
    unsigned long interval = (unsigned long)(band_rows / mcu_height) * mcus_per_row;
    if (band_rows % mcu_height != 0 || interval == 0 || interval > 65535) return 1; // no restart interval fits: encode in one pass
    size_t total = sizes[0] + 6 + 2;
    size_t *starts = (size_t *)calloc((size_t)count, sizeof(size_t));
    if (!starts) {
        OSS_FAIL(message, "out of memory");
        return -1;
    }
    starts[0] = entropy0;
    for (int i = 1; i < count; i++) {
        size_t sos, entropy, sof;
        int h, v;
        // Every band's header is band 0's but for the height in its SOF0.
        if (oss_jpeg_band_layout(parts[i], sizes[i], &sos, &entropy, &sof, &h, &v) != 0 || sos != sos0 || entropy != entropy0 || sof != sof0
            || memcmp(parts[i], parts[0], sof0 + 5) != 0 || memcmp(parts[i] + sof0 + 7, parts[0] + sof0 + 7, entropy0 - sof0 - 7) != 0) {
            free(starts);
            OSS_FAIL(message, "JPEG bands with different headers");
            return -1;
        }
        starts[i] = entropy;
        size_t data = sizes[i] - 2 - entropy;
        if (total > SIZE_MAX - data - 2) {
            free(starts);
            OSS_FAIL(message, "JPEG bands too large");
            return -1;
        }
        total += data + 2;
    }
    uint8_t *joined = (uint8_t *)malloc(total);
    if (!joined) {
        free(starts);
        OSS_FAIL(message, "out of memory");
        return -1;
    }
    size_t at = 0;
    memcpy(joined, parts[0], sos0);
    joined[sof0 + 5] = (uint8_t)(height >> 8);
    joined[sof0 + 6] = (uint8_t)(height & 0xFF);
    at = sos0;
    const uint8_t restart[6] = { 0xFF, 0xDD, 0x00, 0x04, (uint8_t)(interval >> 8), (uint8_t)(interval & 0xFF) };
    memcpy(joined + at, restart, 6);
    at += 6;
    memcpy(joined + at, parts[0] + sos0, sizes[0] - 2 - sos0);
    at += sizes[0] - 2 - sos0;
    for (int i = 1; i < count; i++) {
        joined[at++] = 0xFF;
        joined[at++] = (uint8_t)(0xD0 + (i - 1) % 8);
        size_t data = sizes[i] - 2 - starts[i];
        memcpy(joined + at, parts[i] + starts[i], data);
        at += data;
    }
    joined[at++] = 0xFF;
    joined[at++] = 0xD9;
    free(starts);
    *out = joined;
    *out_size = at;
    return 0;
}
