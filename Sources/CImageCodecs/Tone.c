// bright and contrast (ImageKernels.applyTable): every colour sample through one 256-entry table,
// from the source into a new image, so that no copy of the source is made first. A run of tone
// actions arrives here as one composed table, so the image is read and written once.
//
// A table look-up a sample is what compilers make of this loop (they do not vectorise look-ups),
// about a cycle a sample: a millisecond of a 1200x800 job, as long as Pillow's whole point(). On
// processors with AVX-512 VBMI, whose byte permutes take 128 table entries at once, 64 samples go
// through the table in a few instructions; the bytes are the same.
#include "CImageCodecs.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define OSS_TONE_VBMI 1

/// The samples [0, returned) of `samples` through the table, 64 at a time: two permutes over the
/// table's halves, chosen by each index's top bit; for RGBA, every fourth byte kept as it was.
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static size_t oss_apply_table_vbmi(const uint8_t *src, uint8_t *dst, size_t samples, int channels, const uint8_t *table) {
    const __m512i low = _mm512_loadu_si512((const void *)table), low_high = _mm512_loadu_si512((const void *)(table + 64));
    const __m512i high_low = _mm512_loadu_si512((const void *)(table + 128)), high = _mm512_loadu_si512((const void *)(table + 192));
    const __mmask64 alpha = channels == 4 ? 0x8888888888888888ull : 0;
    size_t i = 0;
    for (; i + 64 <= samples; i += 64) {
        __m512i index = _mm512_loadu_si512((const void *)(src + i));
        __m512i below = _mm512_permutex2var_epi8(low, index, low_high);   // entries 0...127
        __m512i above = _mm512_permutex2var_epi8(high_low, index, high);  // entries 128...255
        __m512i mapped = _mm512_mask_blend_epi8(_mm512_movepi8_mask(index), below, above);
        _mm512_storeu_si512((void *)(dst + i), _mm512_mask_blend_epi8(alpha, mapped, index));
    }
    return i;
}

/// (The runtime's start-up filled in what the processor has: this reads it.)
static int oss_has_vbmi(void) { return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi"); }
#endif

/// Both entry points: `dst` is `src` for the in-place one. The VBMI loop loads each 64 samples
/// before it stores them, and the scalar loops read a sample before they write it, so one buffer
/// for both is safe; inlined into each, the restrict-qualified one keeps its aliasing promise.
__attribute__((always_inline)) static inline void oss_apply_table_to(const uint8_t *src, uint8_t *dst, size_t pixels, int channels,
                                                                     const uint8_t *table) {
    size_t samples = pixels * (size_t)channels, done = 0;
#ifdef OSS_TONE_VBMI
    if ((channels == 3 || channels == 4) && oss_has_vbmi()) done = oss_apply_table_vbmi(src, dst, samples, channels, table);
#endif
    if (channels == 4) {
        for (size_t i = done / 4; i < pixels; i++) {
            const uint8_t *p = src + i * 4;
            uint8_t *q = dst + i * 4;
            q[0] = table[p[0]];
            q[1] = table[p[1]];
            q[2] = table[p[2]];
            q[3] = p[3];
        }
    } else {
        for (size_t i = done; i < samples; i++) dst[i] = table[src[i]];
    }
}

void oss_apply_table(const uint8_t *restrict src, uint8_t *restrict dst, size_t pixels, int channels, const uint8_t *restrict table) {
    oss_apply_table_to(src, dst, pixels, channels, table);
}

void oss_apply_table_in_place(uint8_t *samples, size_t pixels, int channels, const uint8_t *table) {
    oss_apply_table_to(samples, samples, pixels, channels, table);
}

int oss_apply_table_vectorised(void) {
#ifdef OSS_TONE_VBMI
    return oss_has_vbmi();
#else
    return 0;
#endif
}
