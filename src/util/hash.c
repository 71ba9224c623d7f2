/* SPDX-License-Identifier: Apache-2.0 */
#include "util/hash.h"

#include <openssl/evp.h>
#include <stdio.h>

/* kb_sha256 stays an incomplete type: a kb_sha256 * is an EVP_MD_CTX * in disguise. */

kb_status kb_sha256_begin(kb_sha256 **out)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    if (md == NULL)
        return KB_ERR_NOMEM;
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return KB_ERR_NOMEM;
    }
    *out = (kb_sha256 *)md; /* the context is the EVP context itself */
    return KB_OK;
}

kb_status kb_sha256_update(kb_sha256 *ctx, const void *data, size_t len)
{
    if (len == 0)
        return KB_OK;
    return EVP_DigestUpdate((EVP_MD_CTX *)ctx, data, len) == 1 ? KB_OK : KB_ERR_IO;
}

kb_status kb_sha256_final(kb_sha256 *ctx, char hex[KB_SHA256_HEX_SIZE])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0, i;
    int ok = EVP_DigestFinal_ex((EVP_MD_CTX *)ctx, digest, &len);

    EVP_MD_CTX_free((EVP_MD_CTX *)ctx);
    if (ok != 1 || len != 32)
        return KB_ERR_IO;
    for (i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return KB_OK;
}

void kb_sha256_abort(kb_sha256 *ctx)
{
    EVP_MD_CTX_free((EVP_MD_CTX *)ctx);
}

kb_status kb_sha256_buffer(const void *data, size_t len, char hex[KB_SHA256_HEX_SIZE])
{
    kb_sha256 *ctx;
    kb_status st = kb_sha256_begin(&ctx);

    if (st != KB_OK)
        return st;
    st = kb_sha256_update(ctx, data, len);
    if (st != KB_OK) {
        kb_sha256_abort(ctx);
        return st;
    }
    return kb_sha256_final(ctx, hex);
}
