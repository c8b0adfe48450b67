#ifndef SWIFT_OSS_CCURLSHIM_H
#define SWIFT_OSS_CCURLSHIM_H
// Typed wrappers around libcurl's variadic curl_easy_setopt / curl_multi_setopt, which Swift
// cannot call directly (one function per argument type), and the other libcurl functions the
// transport calls. libcurl is not linked: it is loaded with dlopen when the first transfer is
// set up (oss_curl_global_init), so that commands which never use the network (oss image,
// oss serve) do not load it and the TLS, Kerberos, LDAP and SSH libraries it brings.
#include <curl/curl.h>
#include <stdint.h>

typedef size_t (*oss_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
typedef int (*oss_curl_seek_callback)(void *userdata, curl_off_t offset, int origin);

/// Loads libcurl (once) and runs curl_global_init; CURLE_FAILED_INIT when libcurl cannot be loaded.
CURLcode oss_curl_global_init(long flags);
CURL *oss_curl_easy_init(void);
void oss_curl_easy_cleanup(CURL *handle);
CURLcode oss_curl_easy_pause(CURL *handle, int bitmask);
const char *oss_curl_easy_strerror(CURLcode code);
CURLM *oss_curl_multi_init(void);
CURLMcode oss_curl_multi_add_handle(CURLM *multi, CURL *handle);
CURLMcode oss_curl_multi_remove_handle(CURLM *multi, CURL *handle);
CURLMsg *oss_curl_multi_info_read(CURLM *multi, int *left);
CURLMcode oss_curl_multi_perform(CURLM *multi, int *running);
CURLMcode oss_curl_multi_poll(CURLM *multi, struct curl_waitfd *fds, unsigned int count, int timeout_ms, int *ready);
CURLMcode oss_curl_multi_wakeup(CURLM *multi);
struct curl_slist *oss_curl_slist_append(struct curl_slist *list, const char *value);
void oss_curl_slist_free_all(struct curl_slist *list);

CURLcode oss_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode oss_curl_easy_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);
CURLcode oss_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode oss_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode oss_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode oss_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, oss_curl_data_callback callback);
CURLcode oss_curl_easy_setopt_seek_callback(CURL *handle, oss_curl_seek_callback callback);
CURLMcode oss_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
/// The HTTP status of a finished or in-progress transfer.
long oss_curl_response_code(CURL *handle);
/// The private pointer set with CURLOPT_PRIVATE.
void *oss_curl_private(CURL *handle);

/// The magic return values, as plain numbers for Swift.
size_t oss_curl_writefunc_pause(void);
size_t oss_curl_readfunc_pause(void);
size_t oss_curl_readfunc_abort(void);
#endif
