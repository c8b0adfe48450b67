#ifndef SWIFT_OSS_CFREETYPE_SHIM_H
#define SWIFT_OSS_CFREETYPE_SHIM_H
// FreeType rasterises and HarfBuzz shapes watermark text. Only CImageCodecs's Text.c calls them;
// this target exists to carry their include paths (pkg-config harfbuzz, which names FreeType's
// too) and their libraries to it.
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb.h>
#include <hb-ft.h>
#endif
