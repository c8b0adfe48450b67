// Without curl.h's type-checking macros: the calls below go through function pointers.
#define CURL_DISABLE_TYPECHECK 1
#include "CCurlShim.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#define OSS_CURL_SYMBOLS(X) \
    X(curl_global_init) \
    X(curl_easy_init) \
    X(curl_easy_cleanup) \
    X(curl_easy_pause) \
    X(curl_easy_strerror) \
    X(curl_easy_setopt) \
    X(curl_easy_getinfo) \
    X(curl_multi_init) \
    X(curl_multi_add_handle) \
    X(curl_multi_remove_handle) \
    X(curl_multi_info_read) \
    X(curl_multi_perform) \
    X(curl_multi_poll) \
    X(curl_multi_wakeup) \
    X(curl_multi_setopt) \
    X(curl_slist_append) \
    X(curl_slist_free_all)
#define OSS_CURL_DECLARE(name) static __typeof__(&name) oss_lazy_##name;
OSS_CURL_SYMBOLS(OSS_CURL_DECLARE)
static pthread_once_t oss_curl_once = PTHREAD_ONCE_INIT;
static int oss_curl_loaded;

static void oss_curl_load(void) {
    static const char *const sonames[] = { "libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so", NULL };
    void *handle = NULL;
    for (const char *const *name = sonames; *name && !handle; name++) handle = dlopen(*name, RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
#define OSS_CURL_RESOLVE(name) if (!(oss_lazy_##name = (__typeof__(&name))dlsym(handle, #name))) return;
    OSS_CURL_SYMBOLS(OSS_CURL_RESOLVE)
    oss_curl_loaded = 1;
}

/// Whether libcurl is loaded, loading it the first time.
static int oss_curl_ready(void) {
    pthread_once(&oss_curl_once, oss_curl_load);
    return oss_curl_loaded;
}

CURLcode oss_curl_global_init(long flags) { return oss_curl_ready() ? oss_lazy_curl_global_init(flags) : CURLE_FAILED_INIT; }

// The functions that make handles or lists load libcurl; the others take what those made.
CURL *oss_curl_easy_init(void) { return oss_curl_ready() ? oss_lazy_curl_easy_init() : NULL; }
void oss_curl_easy_cleanup(CURL *handle) { oss_lazy_curl_easy_cleanup(handle); }
CURLcode oss_curl_easy_pause(CURL *handle, int bitmask) { return oss_lazy_curl_easy_pause(handle, bitmask); }
const char *oss_curl_easy_strerror(CURLcode code) { return oss_curl_ready() ? oss_lazy_curl_easy_strerror(code) : "libcurl cannot be loaded"; }
CURLM *oss_curl_multi_init(void) { return oss_curl_ready() ? oss_lazy_curl_multi_init() : NULL; }
CURLMcode oss_curl_multi_add_handle(CURLM *multi, CURL *handle) { return oss_lazy_curl_multi_add_handle(multi, handle); }
CURLMcode oss_curl_multi_remove_handle(CURLM *multi, CURL *handle) { return oss_lazy_curl_multi_remove_handle(multi, handle); }
CURLMsg *oss_curl_multi_info_read(CURLM *multi, int *left) { return oss_lazy_curl_multi_info_read(multi, left); }
CURLMcode oss_curl_multi_perform(CURLM *multi, int *running) { return oss_lazy_curl_multi_perform(multi, running); }
CURLMcode oss_curl_multi_poll(CURLM *multi, struct curl_waitfd *fds, unsigned int count, int timeout_ms, int *ready) {
    return oss_lazy_curl_multi_poll(multi, fds, count, timeout_ms, ready);
}
CURLMcode oss_curl_multi_wakeup(CURLM *multi) { return oss_lazy_curl_multi_wakeup(multi); }
struct curl_slist *oss_curl_slist_append(struct curl_slist *list, const char *value) {
    return oss_curl_ready() ? oss_lazy_curl_slist_append(list, value) : NULL;
}
void oss_curl_slist_free_all(struct curl_slist *list) { oss_lazy_curl_slist_free_all(list); }

CURLcode oss_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return oss_lazy_curl_easy_setopt(handle, option, value);
}

CURLcode oss_curl_easy_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return oss_lazy_curl_easy_setopt(handle, option, value);
}

CURLcode oss_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return oss_lazy_curl_easy_setopt(handle, option, value);
}

CURLcode oss_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return oss_lazy_curl_easy_setopt(handle, option, value);
}

CURLcode oss_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return oss_lazy_curl_easy_setopt(handle, option, value);
}

CURLcode oss_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, oss_curl_data_callback callback) {
    return oss_lazy_curl_easy_setopt(handle, option, callback);
}

CURLcode oss_curl_easy_setopt_seek_callback(CURL *handle, oss_curl_seek_callback callback) {
    return oss_lazy_curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, callback);
}

CURLMcode oss_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return oss_lazy_curl_multi_setopt(multi, option, value);
}

long oss_curl_response_code(CURL *handle) {
    long code = 0;
    oss_lazy_curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

void *oss_curl_private(CURL *handle) {
    char *pointer = NULL;
    oss_lazy_curl_easy_getinfo(handle, CURLINFO_PRIVATE, &pointer);
    return pointer;
}

size_t oss_curl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
size_t oss_curl_readfunc_pause(void) { return CURL_READFUNC_PAUSE; }
size_t oss_curl_readfunc_abort(void) { return CURL_READFUNC_ABORT; }
