// Codec libraries loaded on first use, not at start-up. libheif and libavif pull in about thirty
// shared objects (x265, libde265, aom, dav1d, rav1e, SVT-AV1, libgav1, libyuv, abseil...), whose
// loading, relocation and static initialisers were most of every `oss` command's start-up, while
// only a HEIC or AVIF image needs them. The C file that uses such a library declares its functions
// with OSS_LAZY_SYMBOLS, resolves them once with dlopen/dlsym, and calls them through pointers
// (macros named like the functions), so the code reads as if it were linked.
#ifndef OSS_LAZY_LIBRARY_H
#define OSS_LAZY_LIBRARY_H
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

/// The first of `sonames` (NULL-terminated) that dlopen finds, or NULL.
static inline void *oss_dlopen_first(const char *const *sonames) {
    for (; *sonames; sonames++) {
        void *handle = dlopen(*sonames, RTLD_NOW | RTLD_LOCAL);
        if (handle) return handle;
    }
    return NULL;
}

#define OSS_LAZY_DECLARE(name) static __typeof__(&name) oss_lazy_##name;
#define OSS_LAZY_RESOLVE(name) if (!(oss_lazy_##name = (__typeof__(&name))dlsym(handle, #name))) return;

/// A library loaded on first use: the pointers of SYMBOLS (an X-macro list of its functions), and
/// `oss_<tag>_loaded()`, which loads the first of the sonames (the `...`) and resolves every symbol
/// once, then answers 1, or 0 when the library or a symbol is missing.
#define OSS_LAZY_LIBRARY(tag, SYMBOLS, ...) \
    SYMBOLS(OSS_LAZY_DECLARE) \
    static pthread_once_t oss_##tag##_once = PTHREAD_ONCE_INIT; \
    static int oss_##tag##_resolved; \
    static void oss_##tag##_load(void) { \
        static const char *const sonames[] = { __VA_ARGS__, NULL }; \
        void *handle = oss_dlopen_first(sonames); \
        if (!handle) return; \
        SYMBOLS(OSS_LAZY_RESOLVE) \
        oss_##tag##_resolved = 1; \
    } \
    static int oss_##tag##_loaded(void) { \
        pthread_once(&oss_##tag##_once, oss_##tag##_load); \
        return oss_##tag##_resolved; \
    }

#endif
