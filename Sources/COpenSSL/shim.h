#ifndef SWIFT_OSS_COPENSSL_SHIM_H
#define SWIFT_OSS_COPENSSL_SHIM_H
// Only the non-deprecated OpenSSL 3 entry points the SDK needs: one-shot HMAC and
// streaming EVP digests. Everything else stays out of Swift's view.
//
// libcrypto is not linked but loaded on the first HMAC or digest: it is 4.7 MB with thousands of
// relocations, and its loading was a tenth of the start-up of every `oss` command, most of which
// (help, image, verify, sample) never sign or hash anything. A system without libcrypto 3 fails
// there with a message naming it, as the dynamic loader would have failed at start-up.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/// The libcrypto functions the SDK calls, resolved once.
struct swift_oss_libcrypto {
    __typeof__(&EVP_sha1) sha1;
    __typeof__(&EVP_sha256) sha256;
    __typeof__(&EVP_md5) md5;
    __typeof__(&HMAC) hmac;
    __typeof__(&EVP_MD_CTX_new) ctx_new;
    __typeof__(&EVP_MD_CTX_free) ctx_free;
    __typeof__(&EVP_DigestInit_ex) init;
    __typeof__(&EVP_DigestUpdate) update;
    __typeof__(&EVP_DigestFinal_ex) final;
};

/// The one table (a function's static: Swift's importer emits those with the function, not a
/// header's file-scope statics).
static inline struct swift_oss_libcrypto *swift_oss_crypto_table(void) {
    static struct swift_oss_libcrypto table;
    return &table;
}

static inline void swift_oss_crypto_load(void) {
    void *handle = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) handle = dlopen("libcrypto.so", RTLD_NOW | RTLD_LOCAL);
    struct swift_oss_libcrypto *c = swift_oss_crypto_table();
    if (handle != NULL) {
        c->sha1 = (__typeof__(c->sha1))dlsym(handle, "EVP_sha1");
        c->sha256 = (__typeof__(c->sha256))dlsym(handle, "EVP_sha256");
        c->md5 = (__typeof__(c->md5))dlsym(handle, "EVP_md5");
        c->hmac = (__typeof__(c->hmac))dlsym(handle, "HMAC");
        c->ctx_new = (__typeof__(c->ctx_new))dlsym(handle, "EVP_MD_CTX_new");
        c->ctx_free = (__typeof__(c->ctx_free))dlsym(handle, "EVP_MD_CTX_free");
        c->init = (__typeof__(c->init))dlsym(handle, "EVP_DigestInit_ex");
        c->update = (__typeof__(c->update))dlsym(handle, "EVP_DigestUpdate");
        c->final = (__typeof__(c->final))dlsym(handle, "EVP_DigestFinal_ex");
    }
    if (!handle || !c->sha1 || !c->sha256 || !c->md5 || !c->hmac || !c->ctx_new || !c->ctx_free || !c->init || !c->update || !c->final) {
        fputs("swift-oss: OpenSSL's libcrypto.so.3 could not be loaded (apt-get install libssl3)\n", stderr);
        abort();
    }
}

/// libcrypto's functions, loaded on first use.
static inline const struct swift_oss_libcrypto *swift_oss_libcrypto(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, swift_oss_crypto_load);
    return swift_oss_crypto_table();
}

/// One-shot HMAC. `which` is 1 for SHA-1, 256 for SHA-256. Returns the MAC length, 0 on failure.
static inline unsigned int swift_oss_hmac(int which, const void *key, size_t keyLength,
                                          const void *data, size_t dataLength,
                                          unsigned char *out) {
    const struct swift_oss_libcrypto *c = swift_oss_libcrypto();
    const EVP_MD *md = which == 1 ? c->sha1() : c->sha256();
    unsigned int length = 0;
    if (c->hmac(md, key, (int)keyLength, (const unsigned char *)data, dataLength, out, &length) == NULL) {
        return 0;
    }
    return length;
}

/// Creates a streaming digest context. `which` is 5 for MD5, 256 for SHA-256.
static inline EVP_MD_CTX *swift_oss_digest_new(int which) {
    const struct swift_oss_libcrypto *c = swift_oss_libcrypto();
    EVP_MD_CTX *ctx = c->ctx_new();
    if (ctx == NULL) return NULL;
    const EVP_MD *md = which == 5 ? c->md5() : c->sha256();
    if (c->init(ctx, md, NULL) != 1) {
        c->ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

static inline int swift_oss_digest_update(EVP_MD_CTX *ctx, const void *data, size_t length) {
    return swift_oss_libcrypto()->update(ctx, data, length);
}

/// Writes the digest to `out` (at least 64 bytes) and returns its length; frees the context.
static inline unsigned int swift_oss_digest_final_free(EVP_MD_CTX *ctx, unsigned char *out) {
    unsigned int length = 0;
    const struct swift_oss_libcrypto *c = swift_oss_libcrypto();
    int ok = c->final(ctx, out, &length);
    c->ctx_free(ctx);
    return ok == 1 ? length : 0;
}

static inline void swift_oss_digest_free(EVP_MD_CTX *ctx) {
    swift_oss_libcrypto()->ctx_free(ctx);
}
#endif
