#include "CCurlShim.h"

CURLcode oss_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode oss_curl_easy_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode oss_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode oss_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode oss_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode oss_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, oss_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

CURLcode oss_curl_easy_setopt_seek_callback(CURL *handle, oss_curl_seek_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, callback);
}

CURLMcode oss_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

long oss_curl_response_code(CURL *handle) {
    long code = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

void *oss_curl_private(CURL *handle) {
    char *pointer = NULL;
    curl_easy_getinfo(handle, CURLINFO_PRIVATE, &pointer);
    return pointer;
}

size_t oss_curl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
size_t oss_curl_readfunc_pause(void) { return CURL_READFUNC_PAUSE; }
size_t oss_curl_readfunc_abort(void) { return CURL_READFUNC_ABORT; }
