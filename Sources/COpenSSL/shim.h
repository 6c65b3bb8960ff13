#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/* OpenSSL 3 looks an algorithm up in its providers (property queries under a lock) on every
 * implicit use, such as EVP_sha256() in a digest init or HMAC(): measured, that lookup cost
 * more than hashing an API key. These take objects fetched once by the caller. */

/* An HMAC-SHA256 context with its digest set but no key, to be duplicated per message.
 * NULL on failure. OSSL_PARAM arrays are macros and unions, awkward from Swift. */
static inline EVP_MAC_CTX *copenssl_hmac_sha256_template(void) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);   /* the context holds its own reference */
    if (ctx == NULL) return NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_CTX_set_params(ctx, params) != 1) { EVP_MAC_CTX_free(ctx); return NULL; }
    return ctx;
}

/* HMAC-SHA256 of msg under key into out (32 bytes); 1 on success. */
static inline int copenssl_hmac_sha256(const EVP_MAC_CTX *template_ctx, const void *key, size_t key_len,
                                       const void *msg, size_t msg_len, unsigned char *out) {
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(template_ctx);
    if (ctx == NULL) return 0;
    size_t out_len = 0;
    static const unsigned char empty = 0;
    int ok = EVP_MAC_init(ctx, key_len > 0 ? key : &empty, key_len, NULL) == 1
          && EVP_MAC_update(ctx, msg_len > 0 ? msg : &empty, msg_len) == 1
          && EVP_MAC_final(ctx, out, &out_len, 32) == 1
          && out_len == 32;
    EVP_MAC_CTX_free(ctx);
    return ok;
}
#endif
