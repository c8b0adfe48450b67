// Watermark text: HarfBuzz shapes, FreeType rasterises. See CImageCodecs.h.
#include "codecs_internal.h"
#include <ft2build.h>
#include FT_FREETYPE_H
#include <harfbuzz/hb.h>
#include <harfbuzz/hb-ft.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lazy_library.h"

// HarfBuzz is loaded on first use (lazy_library.h): with it come graphite2, GLib and PCRE2, whose
// loading every `oss` command paid at start-up while only a text watermark needs them. FreeType
// is linked (pkg-config's freetype2 carries the include paths both need).
#define OSS_HARFBUZZ_SYMBOLS(X) \
    X(hb_buffer_add_utf8) \
    X(hb_buffer_allocation_successful) \
    X(hb_buffer_clear_contents) \
    X(hb_buffer_create) \
    X(hb_buffer_destroy) \
    X(hb_buffer_get_glyph_infos) \
    X(hb_buffer_get_glyph_positions) \
    X(hb_buffer_guess_segment_properties) \
    X(hb_font_destroy) \
    X(hb_ft_font_create) \
    X(hb_ft_font_set_load_flags) \
    X(hb_shape) \
    X(hb_unicode_funcs_get_default) \
    X(hb_unicode_general_category)
OSS_LAZY_LIBRARY(text, OSS_HARFBUZZ_SYMBOLS, "libharfbuzz.so.0", "libharfbuzz.so")

// From here on, every call goes through the pointers resolved above.
#define hb_buffer_add_utf8 (*oss_lazy_hb_buffer_add_utf8)
#define hb_buffer_allocation_successful (*oss_lazy_hb_buffer_allocation_successful)
#define hb_buffer_clear_contents (*oss_lazy_hb_buffer_clear_contents)
#define hb_buffer_create (*oss_lazy_hb_buffer_create)
#define hb_buffer_destroy (*oss_lazy_hb_buffer_destroy)
#define hb_buffer_get_glyph_infos (*oss_lazy_hb_buffer_get_glyph_infos)
#define hb_buffer_get_glyph_positions (*oss_lazy_hb_buffer_get_glyph_positions)
#define hb_buffer_guess_segment_properties (*oss_lazy_hb_buffer_guess_segment_properties)
#define hb_font_destroy (*oss_lazy_hb_font_destroy)
#define hb_ft_font_create (*oss_lazy_hb_ft_font_create)
#define hb_ft_font_set_load_flags (*oss_lazy_hb_ft_font_set_load_flags)
#define hb_shape (*oss_lazy_hb_shape)
#define hb_unicode_funcs_get_default (*oss_lazy_hb_unicode_funcs_get_default)
#define hb_unicode_general_category (*oss_lazy_hb_unicode_general_category)

#define OSS_MAX_FONTS 8
#define OSS_MAX_FONT_FILE ((off_t)256 << 20)
/// The ink box of any text these functions accept is far smaller; past this a layout is refused
/// before its size is multiplied.
#define OSS_MAX_INK_SIDE (1 << 20)
/// Outlines only, unhinted: HarfBuzz's advances and FreeType's outlines then agree, and embedded
/// bitmap strikes (WenQuanYi has some for small sizes) do not change the look with the size.
#define OSS_GLYPH_LOAD_FLAGS (FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP)

int oss_font_map(const char *path, const uint8_t **data, size_t *size, char *error) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        OSS_FAIL(error, "%s", strerror(errno));
        return -1;
    }
    struct stat status;
    if (fstat(fd, &status) != 0) {
        OSS_FAIL(error, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(status.st_mode) || status.st_size <= 0 || status.st_size > OSS_MAX_FONT_FILE) {
        OSS_FAIL(error, "not a regular file of 1 byte to 256 MiB");
        close(fd);
        return -1;
    }
    void *mapped = mmap(NULL, (size_t)status.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int mapError = errno;
    close(fd);
    if (mapped == MAP_FAILED) {
        OSS_FAIL(error, "%s", strerror(mapError));
        return -1;
    }
    *data = mapped;
    *size = (size_t)status.st_size;
    return 0;
}

typedef struct oss_glyph {
    int font;
    unsigned int id;
    /// Pen position of the glyph's origin, 26.6 fixed point, y up (FreeType's and HarfBuzz's axes).
    int64_t x, y;
} oss_glyph;

struct oss_text {
    FT_Library library;
    int font_count;
    FT_Face faces[OSS_MAX_FONTS];
    oss_glyph *glyphs;
    int glyph_count;
    int missing;
    /// The ink box in pixels, y down, relative to the first glyph's origin.
    int64_t ink_left, ink_top, ink_width, ink_height;
};

void oss_text_free(oss_text *text) {
    if (text == NULL) return;
    for (int i = 0; i < text->font_count; i++) {
        if (text->faces[i] != NULL) FT_Done_Face(text->faces[i]);
    }
    if (text->library != NULL) FT_Done_FreeType(text->library);
    free(text->glyphs);
    free(text);
}

void oss_text_glyph_counts(const oss_text *text, int *glyphs, int *missing) {
    *glyphs = text->glyph_count;
    *missing = text->missing;
}

static int64_t floor_div64(int64_t value) { return value >= 0 ? value / 64 : -((-value + 63) / 64); }

/// The next code point of UTF-8 at `*index`; malformed bytes read as U+FFFD, one at a time.
static uint32_t next_code_point(const unsigned char *s, size_t length, size_t *index) {
    size_t i = *index;
    unsigned char lead = s[i];
    int extra;
    uint32_t cp;
    if (lead < 0x80) {
        *index = i + 1;
        return lead;
    } else if ((lead & 0xE0) == 0xC0) {
        extra = 1;
        cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        extra = 2;
        cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        extra = 3;
        cp = lead & 0x07;
    } else {
        *index = i + 1;
        return 0xFFFD;
    }
    if (length - i - 1 < (size_t)extra) {
        *index = i + 1;
        return 0xFFFD;
    }
    for (int k = 1; k <= extra; k++) {
        if ((s[i + k] & 0xC0) != 0x80) {
            *index = i + 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    *index = i + (size_t)extra + 1;
    return cp;
}

/// Characters that belong with the one before them: marks, joiners, variation selectors, emoji
/// modifiers and tags. They take the font of that character, so a base and its marks are shaped
/// together (HarfBuzz places marks only on bases of the same run).
static int sticks_to_previous(hb_unicode_funcs_t *unicode, uint32_t cp) {
    hb_unicode_general_category_t category = hb_unicode_general_category(unicode, cp);
    if (category == HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK || category == HB_UNICODE_GENERAL_CATEGORY_SPACING_MARK ||
        category == HB_UNICODE_GENERAL_CATEGORY_ENCLOSING_MARK) return 1;
    if (cp == 0x200C || cp == 0x200D) return 1;
    if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF)) return 1;
    if ((cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0020 && cp <= 0xE007F)) return 1;
    return 0;
}

/// The most code points of a cluster whose coverage is checked (more are shaped all the same).
#define OSS_CLUSTER_CHECK 16

/// The font a cluster (a character and the marks, joiners and selectors after it) is drawn with:
/// the first of the chain that has all of it, else the first that has its character; a space
/// stays in the current run when that font has one; nothing has it: the current run's font (its
/// .notdef, which is not drawn).
static int font_for(const oss_text *text, hb_unicode_funcs_t *unicode, const uint32_t *cluster, int count, int current) {
    if (current >= 0 && count == 1 && hb_unicode_general_category(unicode, cluster[0]) == HB_UNICODE_GENERAL_CATEGORY_SPACE_SEPARATOR &&
        FT_Get_Char_Index(text->faces[current], cluster[0]) != 0) return current;
    for (int i = 0; i < text->font_count; i++) {
        int all = 1;
        for (int k = 0; k < count && all; k++) all = FT_Get_Char_Index(text->faces[i], cluster[k]) != 0;
        if (all) return i;
    }
    for (int i = 0; i < text->font_count; i++) {
        if (FT_Get_Char_Index(text->faces[i], cluster[0]) != 0) return i;
    }
    return current >= 0 ? current : 0;
}

static int append_run(oss_text *text, hb_buffer_t *buffer, hb_font_t *font, int font_index, const char *utf8, size_t length,
                      size_t start, size_t end, int max_glyphs, int64_t *pen_x, int64_t *pen_y, char *error) {
    hb_buffer_clear_contents(buffer);
    hb_buffer_add_utf8(buffer, utf8, (int)length, (unsigned int)start, (int)(end - start));
    hb_buffer_guess_segment_properties(buffer);
    hb_shape(font, buffer, NULL, 0);
    unsigned int count = 0;
    hb_glyph_info_t *infos = hb_buffer_get_glyph_infos(buffer, &count);
    hb_glyph_position_t *positions = hb_buffer_get_glyph_positions(buffer, &count);
    if (count > (unsigned int)(max_glyphs - text->glyph_count)) {
        OSS_FAIL(error, "the text shapes to more than %d glyphs", max_glyphs);
        return -1;
    }
    for (unsigned int i = 0; i < count; i++) {
        oss_glyph *glyph = &text->glyphs[text->glyph_count++];
        glyph->font = font_index;
        glyph->id = infos[i].codepoint;
        glyph->x = *pen_x + positions[i].x_offset;
        glyph->y = *pen_y + positions[i].y_offset;
        if (glyph->id == 0) text->missing++;
        *pen_x += positions[i].x_advance;
        *pen_y += positions[i].y_advance;
    }
    return 0;
}

/// Loads and renders one glyph at its subpixel position; its bitmap's top-left corner in pixels
/// (y down) goes to `left`, `top`. 1: nothing to draw (no outline, empty, or not 8-bit grey).
static int render_glyph(const oss_text *text, const oss_glyph *glyph, int64_t *left, int64_t *top, FT_Bitmap **bitmap) {
    FT_Face face = text->faces[glyph->font];
    int64_t whole_x = floor_div64(glyph->x), whole_y = floor_div64(glyph->y);
    FT_Vector delta = {(FT_Pos)(glyph->x - whole_x * 64), (FT_Pos)(glyph->y - whole_y * 64)};
    FT_Set_Transform(face, NULL, &delta);
    if (FT_Load_Glyph(face, glyph->id, OSS_GLYPH_LOAD_FLAGS | FT_LOAD_RENDER) != 0) return 1;
    FT_GlyphSlot slot = face->glyph;
    FT_Bitmap *rendered = &slot->bitmap;
    if (rendered->pixel_mode != FT_PIXEL_MODE_GRAY || rendered->width == 0 || rendered->rows == 0 || rendered->pitch <= 0) return 1;
    *left = whole_x + slot->bitmap_left;
    *top = -whole_y - slot->bitmap_top;
    *bitmap = rendered;
    return 0;
}

int oss_text_shape(const oss_font_source *fonts, int font_count, const char *utf8, size_t length, int pixel_size,
                   int max_glyphs, oss_text **out, int32_t *ink_width, int32_t *ink_height, char *error) {
    *out = NULL;
    if (font_count < 1 || font_count > OSS_MAX_FONTS) { OSS_FAIL(error, "1 to %d fonts, not %d", OSS_MAX_FONTS, font_count); return -1; }
    if (pixel_size < 1 || pixel_size > 4096) { OSS_FAIL(error, "a size of 1 to 4096 px, not %d", pixel_size); return -1; }
    if (max_glyphs < 1 || max_glyphs > 65536 || length > (size_t)max_glyphs * 64) { OSS_FAIL(error, "the text is too long"); return -1; }
    if (!oss_text_loaded()) { OSS_FAIL(error, "HarfBuzz is not installed (it is loaded when text is drawn)"); return -1; }
    oss_text *text = calloc(1, sizeof(oss_text));
    if (text == NULL) { OSS_FAIL(error, "out of memory"); return -1; }
    if (FT_Init_FreeType(&text->library) != 0) { text->library = NULL; OSS_FAIL(error, "FreeType did not start"); oss_text_free(text); return -1; }
    for (int i = 0; i < font_count; i++) {
        FT_Face face = NULL;
        if (FT_New_Memory_Face(text->library, fonts[i].data, (FT_Long)fonts[i].size, fonts[i].face_index, &face) != 0) {
            OSS_FAIL(error, "font %d of the chain is not a font FreeType reads", i);
            oss_text_free(text);
            return -1;
        }
        text->faces[text->font_count++] = face;
        if (!FT_IS_SCALABLE(face) || FT_Set_Pixel_Sizes(face, 0, (FT_UInt)pixel_size) != 0) {
            OSS_FAIL(error, "font %d of the chain has no scalable outlines", i);
            oss_text_free(text);
            return -1;
        }
    }
    text->glyphs = calloc((size_t)max_glyphs, sizeof(oss_glyph));
    hb_buffer_t *buffer = hb_buffer_create();
    hb_font_t *shapers[OSS_MAX_FONTS] = {0};
    int status = 0;
    if (text->glyphs == NULL || !hb_buffer_allocation_successful(buffer)) { OSS_FAIL(error, "out of memory"); status = -1; }
    for (int i = 0; status == 0 && i < text->font_count; i++) {
        shapers[i] = hb_ft_font_create(text->faces[i], NULL);
        hb_ft_font_set_load_flags(shapers[i], OSS_GLYPH_LOAD_FLAGS);
    }

    // Runs of one font each, shaped with the whole text as context.
    hb_unicode_funcs_t *unicode = hb_unicode_funcs_get_default();
    const unsigned char *bytes = (const unsigned char *)utf8;
    int64_t pen_x = 0, pen_y = 0;
    size_t run_start = 0, index = 0;
    int run_font = -1;
    while (status == 0 && index < length) {
        size_t at = index;
        uint32_t cluster[OSS_CLUSTER_CHECK];
        int count = 0;
        uint32_t cp = next_code_point(bytes, length, &index);
        cluster[count++] = cp;
        int joined = cp == 0x200D;
        while (index < length) {
            size_t peek = index;
            uint32_t follower = next_code_point(bytes, length, &peek);
            if (!joined && !sticks_to_previous(unicode, follower)) break;
            if (count < OSS_CLUSTER_CHECK) cluster[count++] = follower;
            joined = follower == 0x200D;
            index = peek;
        }
        int font = font_for(text, unicode, cluster, count, run_font);
        if (run_font >= 0 && font != run_font) {
            status = append_run(text, buffer, shapers[run_font], run_font, utf8, length, run_start, at, max_glyphs, &pen_x, &pen_y, error);
            run_start = at;
        }
        run_font = font;
    }
    if (status == 0 && run_font >= 0 && run_start < length) {
        status = append_run(text, buffer, shapers[run_font], run_font, utf8, length, run_start, length, max_glyphs, &pen_x, &pen_y, error);
    }
    for (int i = 0; i < text->font_count; i++) { if (shapers[i] != NULL) hb_font_destroy(shapers[i]); }
    hb_buffer_destroy(buffer);
    if (status != 0) { oss_text_free(text); return -1; }

    // The ink: the union of the rendered glyphs' bitmaps.
    int64_t min_x = INT64_MAX, min_y = INT64_MAX, max_x = INT64_MIN, max_y = INT64_MIN;
    for (int i = 0; i < text->glyph_count; i++) {
        if (text->glyphs[i].id == 0) continue;
        int64_t left, top;
        FT_Bitmap *bitmap;
        if (render_glyph(text, &text->glyphs[i], &left, &top, &bitmap) != 0) continue;
        if (left < min_x) min_x = left;
        if (top < min_y) min_y = top;
        if (left + (int64_t)bitmap->width > max_x) max_x = left + (int64_t)bitmap->width;
        if (top + (int64_t)bitmap->rows > max_y) max_y = top + (int64_t)bitmap->rows;
    }
    if (min_x == INT64_MAX) {
        text->ink_left = text->ink_top = text->ink_width = text->ink_height = 0;
    } else {
        text->ink_left = min_x;
        text->ink_top = min_y;
        text->ink_width = max_x - min_x;
        text->ink_height = max_y - min_y;
        if (text->ink_width > OSS_MAX_INK_SIDE || text->ink_height > OSS_MAX_INK_SIDE) {
            OSS_FAIL(error, "the text's ink is %lldx%lld px", (long long)text->ink_width, (long long)text->ink_height);
            oss_text_free(text);
            return -1;
        }
    }
    *ink_width = (int32_t)text->ink_width;
    *ink_height = (int32_t)text->ink_height;
    *out = text;
    return 0;
}

int oss_text_render(const oss_text *text, uint8_t *mask, int32_t width, int32_t height, const oss_stop *stop, char *error) {
    if (width != text->ink_width || height != text->ink_height) {
        OSS_FAIL(error, "a %dx%d mask for %lldx%lld of ink", width, height, (long long)text->ink_width, (long long)text->ink_height);
        return -1;
    }
    for (int i = 0; i < text->glyph_count; i++) {
        if (oss_should_stop(stop)) { OSS_FAIL(error, "stopped"); return OSS_CODEC_STOPPED; }
        if (text->glyphs[i].id == 0) continue;
        int64_t left, top;
        FT_Bitmap *bitmap;
        if (render_glyph(text, &text->glyphs[i], &left, &top, &bitmap) != 0) continue;
        int64_t x0 = left - text->ink_left, y0 = top - text->ink_top;
        for (unsigned int row = 0; row < bitmap->rows; row++) {
            int64_t y = y0 + row;
            if (y < 0 || y >= height) continue;
            const unsigned char *source = bitmap->buffer + (size_t)row * (size_t)bitmap->pitch;
            uint8_t *target = mask + (size_t)y * (size_t)width;
            for (unsigned int column = 0; column < bitmap->width; column++) {
                int64_t x = x0 + column;
                if (x < 0 || x >= width) continue;
                // Coverage of overlapping glyphs (a base and its mark, touching edges) as a union.
                unsigned int a = target[x], b = source[column];
                target[x] = (uint8_t)(a + (b * (255 - a) + 127) / 255);
            }
        }
    }
    return 0;
}
