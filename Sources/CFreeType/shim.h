#ifndef SWIFT_OSS_CFREETYPE_SHIM_H
#define SWIFT_OSS_CFREETYPE_SHIM_H
// FreeType rasterises and HarfBuzz shapes watermark text. Only CImageCodecs's Text.c calls them;
// this target exists to carry FreeType's include path (pkg-config freetype2) and its library to it.
// HarfBuzz is found as <harfbuzz/...> and not linked: Text.c loads it with dlopen when text is
// drawn (pkg-config harfbuzz would link it, and the graphite2, GLib and PCRE2 it brings, into every
// command's start-up).
#include <ft2build.h>
#include FT_FREETYPE_H
#include <harfbuzz/hb.h>
#include <harfbuzz/hb-ft.h>
#endif
