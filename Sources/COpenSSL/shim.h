#ifndef SWIFT_OSS_COPENSSL_SHIM_H
#define SWIFT_OSS_COPENSSL_SHIM_H
// Only the non-deprecated OpenSSL 3 entry points the SDK needs: one-shot HMAC and
// streaming EVP digests. Everything else stays out of Swift's view.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stddef.h>

/// One-shot HMAC. `which` is 1 for SHA-1, 256 for SHA-256. Returns the MAC length, 0 on failure.
static inline unsigned int swift_oss_hmac(int which, const void *key, size_t keyLength,
                                          const void *data, size_t dataLength,
                                          unsigned char *out) {
    const EVP_MD *md = which == 1 ? EVP_sha1() : EVP_sha256();
    unsigned int length = 0;
    if (HMAC(md, key, (int)keyLength, (const unsigned char *)data, dataLength, out, &length) == NULL) {
        return 0;
    }
    return length;
}

/// Creates a streaming digest context. `which` is 5 for MD5, 256 for SHA-256.
static inline EVP_MD_CTX *swift_oss_digest_new(int which) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) return NULL;
    const EVP_MD *md = which == 5 ? EVP_md5() : EVP_sha256();
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static inline int swift_oss_digest_update(EVP_MD_CTX *ctx, const void *data, size_t length) {
    return EVP_DigestUpdate(ctx, data, length);
}

/// Writes the digest to `out` (at least 64 bytes) and returns its length; frees the context.
static inline unsigned int swift_oss_digest_final_free(EVP_MD_CTX *ctx, unsigned char *out) {
    unsigned int length = 0;
    int ok = EVP_DigestFinal_ex(ctx, out, &length);
    EVP_MD_CTX_free(ctx);
    return ok == 1 ? length : 0;
}

static inline void swift_oss_digest_free(EVP_MD_CTX *ctx) {
    EVP_MD_CTX_free(ctx);
}
#endif
