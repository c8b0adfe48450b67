#ifndef SWIFT_OSS_CCURLSHIM_H
#define SWIFT_OSS_CCURLSHIM_H
// Typed wrappers around libcurl's variadic curl_easy_setopt / curl_multi_setopt, which Swift
// cannot call directly. One function per argument type; nothing else.
#include <curl/curl.h>
#include <stdint.h>

typedef size_t (*oss_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
typedef int (*oss_curl_seek_callback)(void *userdata, curl_off_t offset, int origin);

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
