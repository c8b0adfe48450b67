// A baseline JPEG's entropy-coded data decoded on several cores at once, for libjpeg-turbo's
// scaled decodes (1/8, 1/4, 1/2 of each side).
//
// Why: a scaled decode is mostly Huffman decoding (nine tenths of a 1/8 decode), which
// libjpeg-turbo does on one core, and a sequential JPEG without restart markers gives no place to
// enter the data in the middle. Huffman codes synchronise themselves, though: a decoder started at
// an arbitrary byte soon falls into step with the true decode. At an MCU boundary the parse has no
// state but the bit position (DC values do not steer it), so two decoders at the same bit position
// at an MCU boundary decode the same MCUs from there on.
//
// So part k > 0 starts at a guessed MCU boundary at a byte inside the data and records its bit
// position at every MCU boundary it reaches. The decoder before it, on reaching part k's region,
// decodes on until its own position at an MCU boundary is one of those records (the join, a few
// MCUs in practice). From there part k's MCUs are the true ones, at a known MCU index, with DC
// values off by one known constant per component (DC is coded as differences from the previous
// block's).
//
// The pixels are libjpeg-turbo's own: its inverse DCTs and colour conversion, the methods it chose
// in jpeg_start_decompress, run on coefficients that equal those its Huffman decoder would make.
// Anything unusual (restart markers, a marker or the end of the data before the last MCU, a code
// no table has, fill bytes) makes the decode give up, and the caller decodes with libjpeg alone.
//
// At full size (scale 8) the coefficients go to libjpeg instead: band decoders of the image each
// run libjpeg's own pipeline (its upsampling needs rows of context that our rows would have to
// reproduce), with their entropy decoder's decode_mcu serving the MCUs decoded here. Their
// jpeg_skip_scanlines discards whole iMCU rows through decode_mcu(NULL), which then costs a
// counter, where libjpeg's Huffman decoding cost most of a row's decode: every band decoder
// used to repeat it for the rows above its band.
#include "codecs_internal.h"
#include "jpeg_guard.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if JPEG_LIB_VERSION >= 70
#define OSS_DCT_SIZE(component) ((component)->DCT_h_scaled_size)
#else
#define OSS_DCT_SIZE(component) ((component)->DCT_scaled_size)
#endif

/// libjpeg's method tables for the inverse DCT and the colour conversion (jpegint.h, unchanged
/// since libjpeg 6b), declared here because not every libjpeg-turbo installs jpegint.h.
typedef void (*oss_idct_method)(j_decompress_ptr, jpeg_component_info *, JCOEFPTR, JSAMPARRAY, JDIMENSION);
struct oss_jpeg_idct_methods {
    void (*start_pass)(j_decompress_ptr);
    oss_idct_method inverse_DCT[MAX_COMPONENTS];
};
struct oss_jpeg_color_methods {
    void (*start_pass)(j_decompress_ptr);
    void (*color_convert)(j_decompress_ptr, JSAMPIMAGE, JDIMENSION, JSAMPARRAY, int);
};
struct oss_jpeg_entropy_methods {
    void (*start_pass)(j_decompress_ptr);
    boolean (*decode_mcu)(j_decompress_ptr, JBLOCKROW *);
    boolean insufficient_data;
};

/// Zigzag index to natural index, with 16 extra entries as libjpeg has them: a corrupt run can
/// carry k past 63, and libjpeg then writes the last coefficient.
static const uint8_t oss_zigzag[80] = {
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55,
    62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
};

#define OSS_LOOKUP_BITS 10
#define OSS_SKIP_BITS 12
#define OSS_SPLIT_MAX_PARTS 8

/// A Huffman table for the decoder: codes up to OSS_LOOKUP_BITS long by one look-up, longer ones
/// by libjpeg's maxcode/valoffset walk. For AC tables, `fast` also holds the coefficient for a
/// code whose magnitude bits fit in the look-up too.
typedef struct {
    uint16_t lookup[1 << OSS_LOOKUP_BITS]; // (length << 8) | symbol; 0: longer than the look-up
    int32_t fast[1 << OSS_LOOKUP_BITS];    // (value << 16) | (run << 8) | total length, 0x8000 | length for
                                           // the end of block; 0: not fast
    // For blocks whose ACs are only parsed: every whole AC symbol (code and magnitude bits) at the
    // front of OSS_SKIP_BITS bits at once: length | advance of k << 4 | 0x1000 if the last is the
    // end of block; 0: not even one fits.
    uint16_t skip[1 << OSS_SKIP_BITS];
    int32_t maxcode[18];
    int32_t valoffset[18];
    uint8_t values[256];
} oss_huffman;

/// Builds the decoder's table from a table libjpeg accepted (jpeg_start_decompress checked it).
static int oss_huffman_build(const JHUFF_TBL *table, int ac, oss_huffman *h) {
    memset(h, 0, sizeof *h);
    int count = 0;
    for (int l = 1; l <= 16; l++) count += table->bits[l];
    if (count < 1 || count > 256) return -1;
    memcpy(h->values, table->huffval, 256);
    int32_t code = 0;
    int index = 0;
    for (int l = 1; l <= 16; l++) {
        int n = table->bits[l];
        if (n) {
            h->valoffset[l] = index - code;
            for (int i = 0; i < n; i++, index++, code++) {
                if (code >= (1 << l)) return -1;
                if (l <= OSS_LOOKUP_BITS) {
                    int shift = OSS_LOOKUP_BITS - l;
                    uint8_t symbol = table->huffval[index];
                    for (int fill = 0; fill < (1 << shift); fill++) {
                        int slot = (code << shift) | fill;
                        h->lookup[slot] = (uint16_t)((l << 8) | symbol);
                        int run = symbol >> 4, size = symbol & 15;
                        if (ac && symbol == 0) h->fast[slot] = (int32_t)(0x8000 | l); // end of block
                        if (ac && size != 0 && l + size <= OSS_LOOKUP_BITS) {
                            int bits = (slot >> (OSS_LOOKUP_BITS - l - size)) & ((1 << size) - 1);
                            int value = bits < (1 << (size - 1)) ? bits - (1 << size) + 1 : bits;
                            h->fast[slot] = (int32_t)((uint32_t)(value & 0xFFFF) << 16 | (uint32_t)(run << 8) | (uint32_t)(l + size));
                        }
                    }
                }
            }
            h->maxcode[l] = code - 1;
        } else {
            h->maxcode[l] = -1;
        }
        code <<= 1;
    }
    h->maxcode[17] = 0x7FFFFFFF;
    if (ac) {
        for (int window = 0; window < (1 << OSS_SKIP_BITS); window++) {
            int used = 0, advance = 0, end = 0;
            while (used < OSS_SKIP_BITS) {
                // The next code from the look-up, zeros padding the window: a code of length l is
                // whole when l fits in what is left.
                int left = OSS_SKIP_BITS - used;
                int next = (int)(((uint32_t)window << used) & ((1u << OSS_SKIP_BITS) - 1));
                uint16_t e = h->lookup[next >> (OSS_SKIP_BITS - OSS_LOOKUP_BITS)];
                int length = e >> 8, symbol = e & 0xFF, run = symbol >> 4, size = symbol & 15;
                if (!e || length + size > left) break;
                used += length + size;
                if (size == 0 && run != 15) {
                    end = 1; // the end of block, and (as libjpeg takes them) the other runs without a size
                    break;
                }
                advance += size ? run + 1 : 16; // a coefficient, or sixteen zeros (ZRL)
            }
            h->skip[window] = used == 0 || advance > 255 ? 0 : (uint16_t)(used | advance << 4 | end << 12);
        }
    }
    return 0;
}

/// The entropy-coded data's bits, most significant first, with stuffed zero bytes removed. At a
/// marker or the end of the data, zeros follow (as in libjpeg), counted apart: a decode that uses
/// them has run past the data.
typedef struct {
    const uint8_t *p, *end;
    uint64_t acc;       // left-aligned
    int n;              // bits in acc
    int marker;         // reached a marker or the end: only zeros from here
    int fill;           // met fill bytes (FF FF), which this decoder does not take
    uint64_t fed;       // bits put into acc, zeros included
    uint64_t real;      // bits put into acc from the data
} oss_bits;

static inline uint64_t oss_load_be64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

/// Tops the buffer up to at least 57 bits a byte at a time: near FF bytes and the end.
__attribute__((noinline)) static void oss_bits_refill_bytes(oss_bits *b) {
    while (b->n <= 56) {
        uint64_t c = 0;
        if (!b->marker) {
            if (b->p >= b->end) {
                b->marker = 1;
            } else if (b->p[0] != 0xFF) {
                c = *b->p++;
                b->real += 8;
            } else if (b->p + 1 < b->end && b->p[1] == 0) {
                c = 0xFF;
                b->p += 2;
                b->real += 8;
            } else {
                if (b->p + 1 < b->end && b->p[1] == 0xFF) b->fill = 1;
                b->marker = 1;
            }
        }
        b->acc |= c << (56 - b->n);
        b->n += 8;
        b->fed += 8;
    }
}

/// Tops the buffer up to at least 57 bits: eight bytes at once when none of them is an FF.
__attribute__((always_inline)) static inline void oss_bits_refill(oss_bits *b) {
    if (b->end - b->p >= 8 && !b->marker) {
        uint64_t w = oss_load_be64(b->p), x = ~w;
        if (((x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL) == 0) { // no FF byte
            int take = (63 - b->n) >> 3;
            b->acc |= (w & (~0ULL << (64 - 8 * take))) >> b->n;
            b->p += take;
            b->n += 8 * take;
            b->fed += (uint64_t)(8 * take);
            b->real += (uint64_t)(8 * take);
            return;
        }
    }
    oss_bits_refill_bytes(b);
}

/// Bits consumed so far.
static inline uint64_t oss_bits_position(const oss_bits *b) { return b->fed - (uint64_t)b->n; }

static inline uint32_t oss_bits_take(oss_bits *b, int count) {
    uint32_t v = (uint32_t)(b->acc >> (64 - count));
    b->acc <<= count;
    b->n -= count;
    return v;
}

/// One Huffman symbol; -1 for a code the table does not have. Needs 16 bits in the buffer.
static inline int oss_huffman_decode(oss_bits *b, const oss_huffman *h) {
    uint16_t e = h->lookup[b->acc >> (64 - OSS_LOOKUP_BITS)];
    if (e) {
        int length = e >> 8;
        b->acc <<= length;
        b->n -= length;
        return e & 0xFF;
    }
    uint32_t top = (uint32_t)(b->acc >> 48);
    for (int l = OSS_LOOKUP_BITS + 1; l <= 16; l++) {
        int32_t code = (int32_t)(top >> (16 - l));
        if (code <= h->maxcode[l]) {
            b->acc <<= l;
            b->n -= l;
            return h->values[(code + h->valoffset[l]) & 0xFF];
        }
    }
    return -1;
}

static inline int32_t oss_extend(uint32_t bits, int size) {
    return bits < (1u << (size - 1)) ? (int32_t)bits - (1 << size) + 1 : (int32_t)bits;
}

/// Appends (natural index, value) at `*out`, or writes it and stays put for a dropped index (0xFF):
/// a branch here would be mispredicted. 1 if kept.
__attribute__((always_inline)) static inline int oss_append_entry(uint8_t **out, uint8_t natural, int16_t value) {
    (*out)[0] = natural;
    memcpy(*out + 1, &value, 2);
    int keep = natural != 0xFF;
    *out += 3 * keep;
    return keep;
}

/// One block, as libjpeg's decode_mcu parses it, appended to `*cursor` as a count byte and that
/// many (natural index, int16 value) entries: first the DC (its difference added to `*prediction`
/// with 32-bit wrapping, as libjpeg-turbo does), then each AC coefficient the inverse DCT reads
/// (`kept[k]`: the natural index of zigzag position k, or 0xFF to drop it; NULL: parse the ACs
/// only). Entries apply in order: a corrupt run past 63 writes the last coefficient again, as in
/// libjpeg. 0, or -1 for a code no table has. At most 1 + 3 × 64 bytes.
__attribute__((always_inline)) static inline int oss_decode_block(oss_bits *restrict b, const oss_huffman *dc, const oss_huffman *ac,
                                                                  uint32_t *prediction, const uint8_t *kept, uint8_t **cursor) {
    uint8_t *out = *cursor, *count_at = out++;
    int count = 1;
    if (b->n < 32) oss_bits_refill(b);
    int s = oss_huffman_decode(b, dc);
    if (s < 0) return -1;
    if (s) *prediction += (uint32_t)oss_extend(oss_bits_take(b, s), s);
    int16_t value = (int16_t)(uint16_t)*prediction;
    out[0] = 0;
    memcpy(out + 1, &value, 2);
    out += 3;
    if (!kept) {
        // Parsing only: several symbols at a time while they leave k (the next position) short
        // of the block's end; libjpeg's loop, one symbol at a time, near it.
        int k = 1;
        while (k < 64) {
            if (b->n < 32) oss_bits_refill(b);
            uint16_t m = ac->skip[b->acc >> (64 - OSS_SKIP_BITS)];
            if (m && k + ((m >> 4) & 0xFF) <= 63) {
                int length = m & 15;
                b->acc <<= length;
                b->n -= length;
                if (m & 0x1000) break;
                k += (m >> 4) & 0xFF;
                continue;
            }
            int symbol = oss_huffman_decode(b, ac);
            if (symbol < 0) return -1;
            int r = symbol >> 4;
            s = symbol & 15;
            if (s) {
                k += r + 1;
                oss_bits_take(b, s);
            } else {
                if (r != 15) break;
                k += 16;
            }
        }
        *count_at = (uint8_t)count;
        *cursor = out;
        return 0;
    }
    for (int k = 1; k < 64; k++) {
        if (b->n < 32) oss_bits_refill(b);
        int32_t f = ac->fast[b->acc >> (64 - OSS_LOOKUP_BITS)];
        if (f) {
            int length = f & 0xFF;
            b->acc <<= length;
            b->n -= length;
            if (f & 0x8000) break;
            k += (f >> 8) & 0xFF;
            if (kept) count += oss_append_entry(&out, kept[k], (int16_t)(f >> 16));
            continue;
        }
        int symbol = oss_huffman_decode(b, ac);
        if (symbol < 0) return -1;
        int r = symbol >> 4;
        s = symbol & 15;
        if (s) {
            k += r;
            uint32_t bits = oss_bits_take(b, s);
            if (kept) count += oss_append_entry(&out, kept[k], (int16_t)oss_extend(bits, s));
        } else {
            if (r != 15) break;
            k += 15;
        }
    }
    *count_at = (uint8_t)count;
    *cursor = out;
    return 0;
}

#define OSS_BLOCK_BYTES (1 + 3 * 64)

// Scratch memory kept between decodes: the parts' coefficients are megabytes written once, and
// fresh pages cost a fault each (a quarter of a 1/2-scale decode when every buffer is new, the
// faults of two cores queueing in the kernel). Up to OSS_SCRATCH_KEPT bytes wait here for the
// next decode.
#define OSS_SCRATCH_SLOTS 8
#define OSS_SCRATCH_KEPT ((size_t)32 << 20)
static pthread_mutex_t oss_scratch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { void *data; size_t size; } oss_scratch[OSS_SCRATCH_SLOTS];

/// A buffer of at least `size` bytes, `*capacity` set to its size; NULL out of memory.
static void *oss_scratch_take(size_t size, size_t *capacity) {
    int best = -1;
    pthread_mutex_lock(&oss_scratch_lock);
    for (int i = 0; i < OSS_SCRATCH_SLOTS; i++) {
        if (!oss_scratch[i].data || oss_scratch[i].size < size) continue;
        if (best < 0 || oss_scratch[i].size < oss_scratch[best].size) best = i;
    }
    void *data = NULL;
    if (best >= 0) {
        data = oss_scratch[best].data;
        *capacity = oss_scratch[best].size;
        oss_scratch[best].data = NULL;
    }
    pthread_mutex_unlock(&oss_scratch_lock);
    if (data) return data;
    *capacity = size;
    return malloc(size);
}

/// Keeps `data` for a later decode, or frees it when enough is kept.
static void oss_scratch_give(void *data, size_t size) {
    if (!data) return;
    pthread_mutex_lock(&oss_scratch_lock);
    size_t kept = 0;
    int free_slot = -1;
    for (int i = 0; i < OSS_SCRATCH_SLOTS; i++) {
        if (oss_scratch[i].data) kept += oss_scratch[i].size;
        else if (free_slot < 0) free_slot = i;
    }
    if (free_slot >= 0 && size <= OSS_SCRATCH_KEPT - kept && kept <= OSS_SCRATCH_KEPT) {
        oss_scratch[free_slot].data = data;
        oss_scratch[free_slot].size = size;
        data = NULL;
    }
    pthread_mutex_unlock(&oss_scratch_lock);
    free(data);
}

/// An MCU boundary a part reached: its bit position (from the part's start), each component's DC
/// prediction there, and where the MCU after it starts in the part's coefficients.
typedef struct {
    uint64_t position;
    size_t offset;
    uint32_t prediction[MAX_COMPS_IN_SCAN];
} oss_boundary;

/// One part's decode. Its MCUs [first, first + used) are, after the join, the image's MCUs
/// [image_first, image_first + used), their DC values `correction` short of the true ones.
/// Aligned to its own cache lines: parts are written on different cores at once.
typedef struct {
    _Alignas(128) const uint8_t *start; // its first byte
    uint64_t base;               // data bits before `start`
    uint64_t limit_bits;         // it stops at the first MCU boundary at or past this many bits
    oss_boundary *boundaries;    // boundaries[i]: before its MCU i; boundaries[count]: after the last
    size_t boundary_capacity;
    uint8_t *coefficients;       // its MCUs' blocks, one after another (oss_decode_block's form)
    size_t coefficient_capacity;
    oss_bits *snapshots;         // parsing only: the reader before its MCU 16 i, at i
    size_t snapshot_capacity;
    size_t coefficient_limit;    // past this the decode declines (see oss_jpeg_split_open)
    size_t count;                // complete MCUs decoded
    oss_bits last;               // the reader at boundaries[count]
    int stopped, out_of_memory;
    int adopted;
    int complete;                // a region piece: every MCU of its range decoded
    size_t first, image_first, used;
    uint32_t correction[MAX_COMPS_IN_SCAN];
} oss_split_part;

struct oss_jpeg_split {
    struct jpeg_decompress_struct cinfo;
    struct oss_jpeg_guard guard;
    int started;
    const uint8_t *entropy, *end;
    int parts;
    oss_split_part part[OSS_SPLIT_MAX_PARTS];
    oss_huffman dc[NUM_HUFF_TBLS], ac[NUM_HUFF_TBLS];
    int components;                                     // in the scan
    int blocks_per_mcu;
    int block_component[D_MAX_BLOCKS_IN_MCU];           // scan component of each block of an MCU
    int block_x[D_MAX_BLOCKS_IN_MCU], block_y[D_MAX_BLOCKS_IN_MCU];
    int keep_ac[MAX_COMPS_IN_SCAN];
    uint8_t kept[MAX_COMPS_IN_SCAN][80];                // zigzag position → natural index, 0xFF: dropped
    size_t mcus_per_row, mcu_rows, total;
    size_t limit;                                       // MCUs decoded: total, or those down to a region's end
    // oss_jpeg_split_open_rows: the parts and the join only parse (a DC a block), and the
    // region's MCUs [region_first, limit) are decoded whole afterwards in pieces, each from the
    // reader a part kept at an MCU before it (oss_jpeg_split_decode_region).
    int parse_only;
    size_t region_first;
    int region_pieces;
    oss_split_part region[OSS_SPLIT_MAX_PARTS];
    size_t plane_stride[MAX_COMPONENTS], plane_rows[MAX_COMPONENTS], row_height;
    int joined;
    int segments[OSS_SPLIT_MAX_PARTS];                  // the adopted parts, in the image's order
    int segment_count;
    const oss_stop *stop;
    int channels;
    int full_size;                                      // coefficients for band decoders (scale 8)
};

/// Gives a part's records and coefficients back to the scratch memory and frees its snapshots:
/// it holds nothing after.
static void oss_part_release(oss_split_part *p) {
    oss_scratch_give(p->boundaries, p->boundary_capacity * sizeof(oss_boundary));
    oss_scratch_give(p->coefficients, p->coefficient_capacity);
    free(p->snapshots);
    p->boundaries = NULL;
    p->coefficients = NULL;
    p->snapshots = NULL;
    p->boundary_capacity = p->coefficient_capacity = p->snapshot_capacity = 0;
    p->count = 0;
}

static void oss_split_free(oss_jpeg_split *s) {
    if (!s) return;
    for (int k = 0; k < OSS_SPLIT_MAX_PARTS; k++) {
        oss_part_release(&s->part[k]);
        free(s->region[k].boundaries);
        free(s->region[k].coefficients);
    }
    if (s->started) jpeg_abort_decompress(&s->cinfo);
    jpeg_destroy_decompress(&s->cinfo);
    free(s);
}

void oss_jpeg_split_close(oss_jpeg_split *split) { oss_split_free(split); }

/// One part's records, coefficients and reader snapshots in use.
static size_t oss_part_held_bytes(const oss_split_part *p) {
    if (!p->boundaries) return 0;
    return (p->count + 1) * sizeof(oss_boundary) + p->boundaries[p->count].offset + (p->snapshots ? ((p->count + 15) >> 4) * sizeof(oss_bits) : 0);
}

size_t oss_jpeg_split_held_bytes(const oss_jpeg_split *split) {
    size_t held = 0;
    for (int k = 0; k < OSS_SPLIT_MAX_PARTS; k++) held += oss_part_held_bytes(&split->part[k]) + oss_part_held_bytes(&split->region[k]);
    return held;
}

/// Which coefficients libjpeg-turbo's inverse DCT for a `size`-pixel block reads: 1×1 only the
/// DC; 2×2 rows and columns 0, 1, 3, 5, 7 (jidctred.c, and its SIMD twin); else all. (jidctred.c's
/// 4×4 skips row and column 4, but the SIMD 4×4 that libjpeg-turbo runs does not: the test of
/// hand-written blocks found it.) `kept[k]` for zigzag position k (80 of them, as oss_zigzag).
static void oss_kept_coefficients(int size, uint8_t *kept) {
    for (int k = 0; k < 80; k++) {
        int natural = oss_zigzag[k], row = natural / 8, column = natural % 8;
        int used = size == 2 ? (row == 0 || row % 2 == 1) && (column == 0 || column % 2 == 1)
                 : size == 1 ? natural == 0 : 1;
        kept[k] = used ? (uint8_t)natural : 0xFF;
    }
}

/// Room for `records` more boundaries and `bytes` more coefficient bytes; 0, or -1 out of memory
/// or past the part's limit.
static int oss_part_reserve(oss_split_part *p, size_t records, size_t bytes) {
    size_t offset = p->boundaries ? p->boundaries[p->count].offset : 0;
    if (p->count + records + 1 > p->boundary_capacity) {
        size_t capacity = (p->count + records + 1) * 2;
        oss_boundary *grown = (oss_boundary *)realloc(p->boundaries, capacity * sizeof(oss_boundary));
        if (!grown) return -1;
        p->boundaries = grown;
        p->boundary_capacity = capacity;
    }
    if (offset + bytes > p->coefficient_capacity) {
        if (offset + bytes > p->coefficient_limit) return -1;
        size_t capacity = (offset + bytes) * 2;
        if (capacity > p->coefficient_limit) capacity = p->coefficient_limit;
        uint8_t *grown = (uint8_t *)realloc(p->coefficients, capacity);
        if (!grown) return -1;
        p->coefficients = grown;
        p->coefficient_capacity = capacity;
    }
    return 0;
}

/// oss_jpeg_split_open; with end_row > 0 (full size only), oss_jpeg_split_open_rows's decode of
/// the region of pixel rows [first_row, end_row).
static int oss_split_open(const uint8_t *data, size_t size, int scale_eighths, int channels, int parts, int first_row, int end_row,
                          const oss_stop *stop, oss_jpeg_split **out, char *message) {
    *out = NULL;
    if (size == 0 || (channels != 3 && channels != 4) || (scale_eighths != 1 && scale_eighths != 2 && scale_eighths != 4 && scale_eighths != 8)
        || parts < 1 || parts > OSS_SPLIT_MAX_PARTS) {
        OSS_FAIL(message, "invalid split JPEG decode");
        return -1;
    }
    oss_jpeg_split *s = (oss_jpeg_split *)calloc(1, sizeof *s);
    if (!s) {
        OSS_FAIL(message, "out of memory");
        return -1;
    }
    // Assigned before setjmp and not changed after: the jump sees it.
    oss_jpeg_split *volatile held = s;
    s->cinfo.err = oss_jpeg_guard_init(&s->guard, message, NULL);
    if (setjmp(s->guard.jump)) {
        oss_split_free(held);
        return -1;
    }
    jpeg_create_decompress(&s->cinfo);
    j_decompress_ptr cinfo = &s->cinfo;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);
    // Only what this decoder reproduces exactly: one interleaved baseline scan (or one
    // component), 8-bit YCbCr, RGB or grey, no restart intervals.
    int eligible = !cinfo->progressive_mode && !cinfo->arith_code && cinfo->data_precision == 8 && cinfo->restart_interval == 0
        && cinfo->comps_in_scan == cinfo->num_components && (cinfo->num_components == 1 || cinfo->num_components == 3)
        && (cinfo->jpeg_color_space == JCS_YCbCr || cinfo->jpeg_color_space == JCS_RGB || cinfo->jpeg_color_space == JCS_GRAYSCALE);
    if (!eligible) {
        oss_split_free(s);
        return 1;
    }
    s->entropy = cinfo->src->next_input_byte;
    s->stop = stop;
    // The scan's data ends at its first marker (or fill byte): every other FF has a zero after it.
    const uint8_t *end = data + size, *at = s->entropy;
    while (at < end) {
        const uint8_t *ff = (const uint8_t *)memchr(at, 0xFF, (size_t)(end - at));
        if (!ff) {
            at = end;
            break;
        }
        if (ff + 1 < end && ff[1] == 0) {
            at = ff + 2;
            continue;
        }
        at = ff;
        break;
    }
    s->end = at;
    cinfo->scale_num = (unsigned int)scale_eighths;
    cinfo->scale_denom = 8;
    oss_jpeg_set_output(cinfo, channels);
    cinfo->dct_method = JDCT_ISLOW;
    jpeg_start_decompress(cinfo);
    s->started = 1;
    s->channels = channels;
    s->full_size = scale_eighths == 8;
    // The components' samples must need no upsampling: each at the output's size (our rows are
    // made without libjpeg's upsampler; at full size libjpeg's band decoders make them).
    for (int c = 0; c < cinfo->num_components && !s->full_size; c++) {
        jpeg_component_info *component = &cinfo->comp_info[c];
        if (component->downsampled_width != cinfo->output_width || component->downsampled_height != cinfo->output_height
            || cinfo->MCU_rows_in_scan == 0 || cinfo->MCUs_per_row == 0) {
            oss_split_free(s);
            return 1;
        }
    }
    s->components = cinfo->comps_in_scan;
    s->blocks_per_mcu = cinfo->blocks_in_MCU;
    s->mcus_per_row = cinfo->MCUs_per_row;
    s->mcu_rows = cinfo->MCU_rows_in_scan;
    s->total = s->mcus_per_row * s->mcu_rows;
    s->limit = s->total;
    if (end_row > 0) {
        // The MCU rows holding pixel rows [0, end_row), and the one below: libjpeg's upsampler
        // reads the next row of samples for context before it gives the last rows of a row.
        size_t mcu_height = (size_t)(s->components == 1 ? 1 : cinfo->max_v_samp_factor) * DCTSIZE;
        size_t rows = ((size_t)end_row + mcu_height - 1) / mcu_height + 1;
        if (rows < s->mcu_rows) s->limit = rows * s->mcus_per_row;
        // The first MCU row libjpeg decodes whole: the one holding the rows above the region that
        // oss_jpeg_seek_region decodes, less one for the upsampler's context and one spare.
        size_t top = first_row > OSS_JPEG_REGION_MARGIN ? (size_t)(first_row - OSS_JPEG_REGION_MARGIN) : 0, first = top / mcu_height;
        first = first > 2 ? first - 2 : 0;
        s->region_first = first * s->mcus_per_row;
        if (s->region_first > s->limit) s->region_first = s->limit;
        s->parse_only = 1;
    }
    int b = 0;
    for (int ci = 0; ci < s->components; ci++) {
        jpeg_component_info *component = cinfo->cur_comp_info[ci];
        JHUFF_TBL *dc = cinfo->dc_huff_tbl_ptrs[component->dc_tbl_no], *ac = cinfo->ac_huff_tbl_ptrs[component->ac_tbl_no];
        if (!dc || !ac || oss_huffman_build(dc, 0, &s->dc[component->dc_tbl_no]) != 0 || oss_huffman_build(ac, 1, &s->ac[component->ac_tbl_no]) != 0) {
            oss_split_free(s);
            return 1;
        }
        int dct = OSS_DCT_SIZE(component);
        s->keep_ac[ci] = dct > 1;
        oss_kept_coefficients(dct, s->kept[ci]);
        for (int y = 0; y < component->MCU_height; y++)
            for (int x = 0; x < component->MCU_width; x++, b++) {
                s->block_component[b] = ci;
                s->block_x[b] = x;
                s->block_y[b] = y;
            }
    }
    if (b != s->blocks_per_mcu) {
        oss_split_free(s);
        return 1;
    }
    // One MCU row of each component's samples: rows padded to 64 samples (libjpeg-turbo's SIMD
    // colour conversion reads whole vectors, as libjpeg's own buffers allow).
    s->row_height = (size_t)(s->components == 1 ? 1 : cinfo->max_v_samp_factor) * (size_t)cinfo->min_DCT_scaled_size;
    for (int c = 0; c < cinfo->num_components; c++) {
        jpeg_component_info *component = &cinfo->comp_info[c];
        size_t dct = (size_t)OSS_DCT_SIZE(component);
        size_t h = (size_t)(s->components == 1 ? 1 : component->h_samp_factor), v = (size_t)(s->components == 1 ? 1 : component->v_samp_factor);
        s->plane_stride[c] = (s->mcus_per_row * h * dct + 63) & ~(size_t)63;
        s->plane_rows[c] = v * dct;
        if (!s->full_size && (s->plane_rows[c] != s->row_height || s->row_height > 64)) {
            oss_split_free(s);
            return 1;
        }
    }
    // Equal shares of the data (of its share above the limit, taken as even, when there is one),
    // each part starting after a byte that is not an FF. A short guess costs only time: the join
    // decodes on from the last part to the limit.
    size_t data_bytes = (size_t)(s->end - s->entropy);
    size_t share_bytes = s->limit == s->total ? data_bytes : (size_t)((uint64_t)data_bytes * s->limit / s->total);
    if (share_bytes < 4096 * (size_t)parts) parts = 1;
    s->parts = parts;
    const uint8_t *counted = s->entropy;
    uint64_t stuffed = 0;
    for (int k = 1; k <= parts; k++) {
        const uint8_t *start = s->entropy + (k < parts ? share_bytes / (size_t)parts * (size_t)k : share_bytes);
        if (start < counted) start = counted;
        while (start < s->end && start[-1] == 0xFF) start++;
        // Data bits before `start`: its bytes less the zero stuffed after each FF.
        while (counted < start) {
            const uint8_t *ff = (const uint8_t *)memchr(counted, 0xFF, (size_t)(start - counted));
            if (!ff) break;
            stuffed++;
            counted = ff + 2;
        }
        counted = start;
        uint64_t bits = ((uint64_t)(start - s->entropy) - stuffed) * 8;
        if (k < parts) {
            s->part[k].start = start;
            s->part[k].base = bits;
        }
        s->part[k - 1].limit_bits = bits;
    }
    s->part[0].start = s->entropy;
    for (int k = 0; k < parts; k++) {
        oss_split_part *p = &s->part[k];
        // Room for the part's share of MCUs, and for their coefficients: about four bytes for each
        // byte of data when the inverse DCT reads them all (grown if not; untouched pages of a
        // large allocation cost nothing).
        size_t mcus = s->limit / (size_t)parts + 16;
        // Parsing only keeps a DC a block: 4 bytes.
        size_t bytes = (s->parse_only ? 0 : share_bytes / (size_t)parts * 5) + mcus * (size_t)s->blocks_per_mcu * 4 + 4096;
        size_t boundary_bytes = 0;
        p->boundaries = (oss_boundary *)oss_scratch_take((mcus + 1) * sizeof(oss_boundary), &boundary_bytes);
        p->boundary_capacity = boundary_bytes / sizeof(oss_boundary);
        p->coefficients = (uint8_t *)oss_scratch_take(bytes, &p->coefficient_capacity);
        // A kept coefficient takes 3 bytes and at least 2 bits of data, so hostile data could ask
        // for 12 bytes a byte; photos take under 4 at 1/2 scale and about 5 at quality 100.
        // Past 8 (a pathological file, or a join that decodes far on one part) libjpeg decodes.
        // (The rest of the data counts too: the join may decode on past a short guess of the share.)
        p->coefficient_limit = (share_bytes / (size_t)parts + (data_bytes - share_bytes)) * 8 + mcus * (size_t)s->blocks_per_mcu * 4 + ((size_t)1 << 20);
        if (p->coefficient_limit < p->coefficient_capacity) p->coefficient_limit = p->coefficient_capacity;
        if (!p->boundaries || !p->coefficients) {
            OSS_FAIL(message, "out of memory");
            oss_split_free(s);
            return -1;
        }
        p->boundaries[0].offset = 0;
    }
    *out = s;
    return 0;
}

int oss_jpeg_split_open(const uint8_t *data, size_t size, int scale_eighths, int channels, int parts, const oss_stop *stop,
                        oss_jpeg_split **out, char *message) {
    return oss_split_open(data, size, scale_eighths, channels, parts, 0, 0, stop, out, message);
}

int oss_jpeg_split_open_rows(const uint8_t *data, size_t size, int channels, int parts, int first_row, int end_row, const oss_stop *stop,
                             oss_jpeg_split **out, char *message) {
    if (first_row < 0 || end_row <= first_row) {
        *out = NULL;
        OSS_FAIL(message, "invalid split JPEG decode");
        return -1;
    }
    return oss_split_open(data, size, 8, channels, parts, first_row, end_row, stop, out, message);
}

int oss_jpeg_split_parts(const oss_jpeg_split *split) { return split->parts; }

/// Decodes one MCU from `reader` onto part `p`'s coefficients, with `prediction` in that part's
/// terms, and records the boundary after it; `parse`: only the DCs (and, every 16 MCUs, the reader
/// before the MCU). 0; -1 if the data is not what libjpeg would decode the same way (or a guessed
/// start is not yet in step); -2 out of memory.
static int oss_decode_mcu(oss_jpeg_split *s, oss_split_part *p, oss_bits *reader, uint32_t *prediction, int parse) {
    if (oss_part_reserve(p, 1, (size_t)s->blocks_per_mcu * OSS_BLOCK_BYTES) != 0) return -2;
    if (parse && (p->count & 15) == 0) {
        size_t slot = p->count >> 4;
        if (slot >= p->snapshot_capacity) {
            size_t capacity = (slot + 1) * 2;
            oss_bits *grown = (oss_bits *)realloc(p->snapshots, capacity * sizeof(oss_bits));
            if (!grown) return -2;
            p->snapshots = grown;
            p->snapshot_capacity = capacity;
        }
        p->snapshots[slot] = *reader;
    }
    uint8_t *cursor = p->coefficients + p->boundaries[p->count].offset;
    j_decompress_ptr cinfo = &s->cinfo;
    for (int b = 0; b < s->blocks_per_mcu; b++) {
        int ci = s->block_component[b];
        jpeg_component_info *component = cinfo->cur_comp_info[ci];
        const oss_huffman *dc = &s->dc[component->dc_tbl_no], *ac = &s->ac[component->ac_tbl_no];
        int failed = s->keep_ac[ci] && !parse ? oss_decode_block(reader, dc, ac, &prediction[ci], s->kept[ci], &cursor)
                                              : oss_decode_block(reader, dc, ac, &prediction[ci], NULL, &cursor);
        if (failed) return -1;
    }
    if (reader->fill || (reader->marker && oss_bits_position(reader) > reader->real)) return -1;
    p->count++;
    oss_boundary *after = &p->boundaries[p->count];
    after->position = oss_bits_position(reader);
    after->offset = (size_t)(cursor - p->coefficients);
    memcpy(after->prediction, prediction, sizeof after->prediction);
    return 0;
}

/// Part k: from a guessed MCU boundary at its first byte (part 0: the true first one), until the
/// first boundary at or past the next part's first byte, the end of the data, or a code no table
/// has (as a guess that is not yet in step may meet). A guess that meets one within its first
/// MCUs starts again a byte later, up to OSS_SPLIT_RETRIES times: given up, its whole share
/// would fall to the join, on one core.
#define OSS_SPLIT_RETRIES 64
static void oss_split_decode(oss_jpeg_split *s, int k) {
    oss_split_part *p = &s->part[k];
    for (int attempt = 0;; attempt++) {
        oss_bits reader = { .p = p->start, .end = s->end };
        uint32_t prediction[MAX_COMPS_IN_SCAN] = { 0 };
        p->count = 0;
        p->boundaries[0].position = 0;
        p->boundaries[0].offset = 0;
        memset(p->boundaries[0].prediction, 0, sizeof p->boundaries[0].prediction);
        p->last = reader;
        uint64_t stop_at = p->limit_bits - p->base;
        // Part 0 decodes no more than the limit; a later part cannot know where it is.
        size_t most = k == 0 ? s->limit : s->total + 1;
        int status = 0;
        while (p->count < most && oss_bits_position(&reader) < stop_at) {
            if ((p->count & 255) == 0 && oss_should_stop(s->stop)) {
                p->stopped = 1;
                return;
            }
            status = oss_decode_mcu(s, p, &reader, prediction, s->parse_only);
            if (status == -2) p->out_of_memory = 1;
            if (status != 0) break;
            p->last = reader;
        }
        if (status != -1 || k == 0 || p->count >= 16 || attempt >= OSS_SPLIT_RETRIES) return;
        // One data byte on (an FF and its stuffed zero are one), never to an FF's zero.
        const uint8_t *next = p->start + (p->start[0] == 0xFF ? 2 : 1);
        if (next >= s->end || p->base + 8 >= p->limit_bits) return;
        p->start = next;
        p->base += 8;
    }
}

void oss_jpeg_split_decode_part(oss_jpeg_split *split, int part) {
    if (part >= 0 && part < split->parts) oss_split_decode(split, part);
}

/// Joins the parts: from part 0's end, decodes on until its position at an MCU boundary is one a
/// later part recorded, adopts that part's MCUs from there, and goes on from the part's end. The
/// MCUs decoded here go onto the last adopted part (their DC values in its terms). 0 when every
/// MCU is decoded; 1 if the decode gave up (decode with libjpeg instead); -1 out of memory;
/// OSS_CODEC_STOPPED.
int oss_jpeg_split_join(oss_jpeg_split *s) {
    int out_of_memory = 0;
    for (int k = 0; k < s->parts; k++) {
        if (s->part[k].stopped) return OSS_CODEC_STOPPED;
        out_of_memory |= s->part[k].out_of_memory;
    }
    if (out_of_memory) return -1;
    oss_split_part *owner = &s->part[0];
    // Part 0 stopped early only at a failure: the true decode fails there too.
    if (owner->count < s->limit && oss_bits_position(&owner->last) < owner->limit_bits) return 1;
    owner->adopted = 1;
    owner->first = 0;
    owner->image_first = 0;
    owner->used = owner->count;
    s->segments[0] = 0;
    s->segment_count = 1;
    oss_bits reader = owner->last;
    uint32_t prediction[MAX_COMPS_IN_SCAN];
    memcpy(prediction, owner->boundaries[owner->count].prediction, sizeof prediction);
    size_t mcu = owner->count;
    int k = 1;
    size_t j = 0;
    while (mcu < s->limit) {
        if (k < s->parts) {
            oss_split_part *p = &s->part[k];
            uint64_t here = oss_bits_position(&reader);
            while (j <= p->count && p->base + p->boundaries[j].position < here) j++;
            if (j > p->count) {
                // This part never fell into step: the owner has decoded past its region, so its
                // own MCUs go now instead of being held twice until the split is closed.
                oss_part_release(p);
                k++;
                j = 0;
                continue;
            }
            if (p->base + p->boundaries[j].position == here) {
                p->adopted = 1;
                p->first = j;
                p->image_first = mcu;
                p->used = p->count - j;
                if (p->used > s->limit - mcu) p->used = s->limit - mcu;
                // The true predictions here less the part's: its DC values' correction.
                uint32_t truth[MAX_COMPS_IN_SCAN];
                for (int c = 0; c < s->components; c++) truth[c] = prediction[c] + owner->correction[c];
                for (int c = 0; c < s->components; c++) p->correction[c] = truth[c] - p->boundaries[j].prediction[c];
                mcu += p->used;
                owner = p;
                s->segments[s->segment_count++] = k;
                // Go on from the part's last boundary, in its terms.
                reader = p->last;
                reader.fed += p->base;
                reader.real += p->base;
                memcpy(prediction, p->boundaries[p->count].prediction, sizeof prediction);
                k++;
                j = 0;
                continue;
            }
        }
        // Where the owner's MCUs [first, count) stand for the image's: the next one goes on its end.
        int status = oss_decode_mcu(s, owner, &reader, prediction, s->parse_only);
        if (status == -2) return -1;
        if (status != 0) return 1;
        owner->used++;
        mcu++;
    }
    s->joined = 1;
    return 0;
}

int oss_jpeg_split_region_pieces(oss_jpeg_split *s, int pieces) {
    if (!s->parse_only || !s->joined) return 0;
    if (pieces < 1) pieces = 1;
    if (pieces > OSS_SPLIT_MAX_PARTS) pieces = OSS_SPLIT_MAX_PARTS;
    size_t mcus = s->limit - s->region_first;
    if ((size_t)pieces > mcus) pieces = mcus > 0 ? (int)mcus : 1;
    s->region_pieces = pieces;
    return pieces;
}

/// Region piece `piece` of oss_jpeg_split_region_pieces: its MCUs decoded whole, from the reader
/// the part holding its first MCU kept at most 15 MCUs before it (parsed on to it), with the true
/// DC predictions there (the part's plus its correction).
void oss_jpeg_split_decode_region(oss_jpeg_split *s, int piece) {
    if (!s->parse_only || !s->joined || piece < 0 || piece >= s->region_pieces) return;
    oss_split_part *r = &s->region[piece];
    size_t mcus = s->limit - s->region_first;
    size_t first = s->region_first + mcus * (size_t)piece / (size_t)s->region_pieces;
    size_t end = s->region_first + mcus * (size_t)(piece + 1) / (size_t)s->region_pieces;
    r->image_first = first;
    r->first = 0;
    r->count = 0;
    r->complete = 0;
    if (first >= end) {
        r->complete = 1;
        return;
    }
    int segment = 0;
    while (segment + 1 < s->segment_count && first >= s->part[s->segments[segment + 1]].image_first) segment++;
    const oss_split_part *q = &s->part[s->segments[segment]];
    size_t local = first - q->image_first + q->first, snapshot = local >> 4;
    if (local >= q->count || snapshot >= q->snapshot_capacity) return;
    oss_bits reader = q->snapshots[snapshot];
    uint32_t prediction[MAX_COMPS_IN_SCAN];
    for (int c = 0; c < MAX_COMPS_IN_SCAN; c++) prediction[c] = q->boundaries[snapshot << 4].prediction[c] + q->correction[c];
    size_t records = end - first + 1;
    r->boundaries = (oss_boundary *)malloc(records * sizeof(oss_boundary));
    r->boundary_capacity = r->boundaries ? records : 0;
    if (!r->boundaries) return;
    r->boundaries[0].offset = 0;
    // Grown as the decode goes, to at most 8 bytes a byte of the piece's share of the data (taken
    // as even, twice over) and its records, as a part's: past it, libjpeg decodes alone.
    size_t data_bytes = (size_t)(s->end - s->entropy);
    size_t share = (size_t)((uint64_t)data_bytes * (end - first) / s->total) * 2;
    if (share > data_bytes) share = data_bytes;
    r->coefficient_limit = share * 8 + (end - first) * (size_t)s->blocks_per_mcu * 4 + ((size_t)1 << 20);
    // The MCUs from the kept reader to the piece's first, parsed as the part parsed them, onto
    // the piece's records and then dropped.
    for (size_t i = snapshot << 4; i < local; i++) {
        if (oss_decode_mcu(s, r, &reader, prediction, 0) != 0) return;
        r->count = 0;
    }
    while (r->count < end - first) {
        if ((r->count & 255) == 0 && oss_should_stop(s->stop)) return;
        if (oss_decode_mcu(s, r, &reader, prediction, 0) != 0) return;
    }
    r->complete = 1;
}

int oss_jpeg_split_region_complete(const oss_jpeg_split *s) {
    if (!s->parse_only) return 1;
    if (s->region_pieces < 1) return 0;
    for (int i = 0; i < s->region_pieces; i++)
        if (!s->region[i].complete) return 0;
    return 1;
}

/// After a join that returned 0: the blocks of MCU rows [first_row, end_row) through libjpeg's
/// inverse DCT into one row of samples, then its colour conversion into `out` (output_width ×
/// channels bytes a row). Disjoint ranges may run at once. 0, or -1 out of memory.
int oss_jpeg_split_finish_rows(oss_jpeg_split *s, size_t first_row, size_t end_row, uint8_t *out) {
    j_decompress_ptr cinfo = &s->cinfo;
    if (!s->joined || s->full_size) return -1;
    struct oss_jpeg_idct_methods *idct = (struct oss_jpeg_idct_methods *)cinfo->idct;
    struct oss_jpeg_color_methods *color = (struct oss_jpeg_color_methods *)cinfo->cconvert;
    if (end_row > s->mcu_rows) end_row = s->mcu_rows;
    if (first_row >= end_row) return 0;
    size_t bytes = 0, offsets[MAX_COMPONENTS];
    for (int c = 0; c < cinfo->num_components; c++) {
        offsets[c] = bytes;
        bytes += s->plane_stride[c] * s->row_height;
    }
    JSAMPLE *samples = NULL;
    if (posix_memalign((void **)&samples, 64, bytes) != 0) return -1;
    JSAMPROW plane_rows[MAX_COMPONENTS][64];
    JSAMPARRAY planes[MAX_COMPONENTS];
    for (int c = 0; c < cinfo->num_components; c++) {
        for (size_t r = 0; r < s->row_height; r++) plane_rows[c][r] = samples + offsets[c] + r * s->plane_stride[c];
        planes[c] = plane_rows[c];
    }
    _Alignas(64) JCOEF block[DCTSIZE2];
    size_t stride = (size_t)cinfo->output_width * (size_t)s->channels;
    int segment = 0;
    for (size_t row = first_row; row < end_row; row++) {
        for (size_t mx = 0; mx < s->mcus_per_row; mx++) {
            size_t mcu = row * s->mcus_per_row + mx;
            while (segment + 1 < s->segment_count && mcu >= s->part[s->segments[segment + 1]].image_first) segment++;
            oss_split_part *p = &s->part[s->segments[segment]];
            const uint8_t *in = p->coefficients + p->boundaries[mcu - p->image_first + p->first].offset;
            for (int b = 0; b < s->blocks_per_mcu; b++) {
                int ci = s->block_component[b];
                jpeg_component_info *component = cinfo->cur_comp_info[ci];
                int entries = *in++;
                memset(block, 0, sizeof block);
                for (int e = 0; e < entries; e++, in += 3) {
                    int16_t value;
                    memcpy(&value, in + 1, 2);
                    block[in[0]] = value;
                }
                block[0] = (JCOEF)(int16_t)(uint16_t)((uint32_t)(uint16_t)block[0] + p->correction[ci]);
                size_t bx = mx * (size_t)component->MCU_width + (size_t)s->block_x[b];
                size_t by = (row * (size_t)component->MCU_height + (size_t)s->block_y[b]);
                // Dummy blocks past a component's edge are decoded but never shown (as in libjpeg).
                if (bx >= component->width_in_blocks || by >= component->height_in_blocks) continue;
                size_t dct = (size_t)OSS_DCT_SIZE(component);
                idct->inverse_DCT[component->component_index](cinfo, component, block, planes[component->component_index] + (size_t)s->block_y[b] * dct,
                                                              (JDIMENSION)(bx * dct));
            }
        }
        size_t y = row * s->row_height;
        if (y >= cinfo->output_height) continue;
        size_t count = y + s->row_height > cinfo->output_height ? cinfo->output_height - y : s->row_height;
        JSAMPROW output[64];
        for (size_t i = 0; i < count; i++) output[i] = out + (y + i) * stride;
        color->color_convert(cinfo, planes, 0, output, (int)count);
    }
    free(samples);
    return 0;
}

/// libjpeg's decode_mcu for a decompressor attached to a full-size split decode: the next MCU's
/// blocks as libjpeg's Huffman decoder would have written them; with no blocks (a skipped row),
/// only the count.
static boolean oss_split_serve_mcu(j_decompress_ptr cinfo, JBLOCKROW *blocks) {
    oss_jpeg_split_cursor *cursor = (oss_jpeg_split_cursor *)cinfo->client_data;
    const oss_jpeg_split *s = cursor->split;
    size_t mcu = cursor->mcu++;
    if (!blocks) return TRUE;
    if (mcu >= s->limit) {
        // Past the last MCU decoded (a decode of the rows it was made for never asks): blocks of
        // zeros, and the decode is marked, for its caller to make again without the split.
        for (int b = 0; b < s->blocks_per_mcu; b++) memset(blocks[b], 0, sizeof(JBLOCK));
        cursor->missed = 1;
        return TRUE;
    }
    const oss_split_part *p;
    if (s->parse_only) {
        // Only the region's MCUs are whole (their DCs true: no correction).
        if (mcu < s->region_first) {
            for (int b = 0; b < s->blocks_per_mcu; b++) memset(blocks[b], 0, sizeof(JBLOCK));
            cursor->missed = 1;
            return TRUE;
        }
        while (cursor->segment + 1 < s->region_pieces && mcu >= s->region[cursor->segment + 1].image_first) cursor->segment++;
        p = &s->region[cursor->segment];
    } else {
        while (cursor->segment + 1 < s->segment_count && mcu >= s->part[s->segments[cursor->segment + 1]].image_first) cursor->segment++;
        p = &s->part[s->segments[cursor->segment]];
    }
    const uint8_t *in = p->coefficients + p->boundaries[mcu - p->image_first + p->first].offset;
    for (int b = 0; b < s->blocks_per_mcu; b++) {
        JCOEF *block = blocks[b][0];
        memset(block, 0, sizeof(JBLOCK));
        int entries = *in++;
        for (int e = 0; e < entries; e++, in += 3) {
            int16_t value;
            memcpy(&value, in + 1, 2);
            block[in[0]] = value;
        }
        if (!s->parse_only) block[0] = (JCOEF)(int16_t)(uint16_t)((uint32_t)(uint16_t)block[0] + p->correction[s->block_component[b]]);
    }
    return TRUE;
}

int oss_jpeg_split_attach(const oss_jpeg_split *split, j_decompress_ptr cinfo, oss_jpeg_split_cursor *cursor, char *message) {
    const oss_jpeg_split *s = split;
    cursor->split = NULL;
    cursor->missed = 0;
    if (!s) return 0;
    if (!s->joined || !s->full_size || !oss_jpeg_split_region_complete(s) || !cinfo->entropy || cinfo->progressive_mode || cinfo->buffered_image
        || cinfo->comps_in_scan != s->components || cinfo->blocks_in_MCU != s->blocks_per_mcu
        || cinfo->MCUs_per_row != s->mcus_per_row || cinfo->MCU_rows_in_scan != s->mcu_rows || cinfo->output_scanline != 0)
        goto foreign;
    for (int c = 0; c < cinfo->num_components; c++)
        if (OSS_DCT_SIZE(&cinfo->comp_info[c]) != DCTSIZE) goto foreign;
    cursor->split = s;
    cursor->mcu = 0;
    cursor->segment = 0;
    cursor->missed = 0;
    cinfo->client_data = cursor;
    ((struct oss_jpeg_entropy_methods *)cinfo->entropy)->decode_mcu = oss_split_serve_mcu;
    return 0;
foreign:
    OSS_FAIL(message, "the split decode does not belong to this JPEG");
    return -1;
}

int oss_jpeg_split_missed(const oss_jpeg_split_cursor *cursor, char *message) {
    if (!cursor->split || !cursor->missed) return 0;
    OSS_FAIL(message, "the split decode ended above the rows decoded");
    return OSS_JPEG_SPLIT_SHORT;
}

size_t oss_jpeg_split_mcu_rows(const oss_jpeg_split *split) { return split->mcu_rows; }

void oss_jpeg_split_size(const oss_jpeg_split *split, int *width, int *height) {
    *width = (int)split->cinfo.output_width;
    *height = (int)split->cinfo.output_height;
}
