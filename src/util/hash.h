/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hash.h - SHA-256 of what kbprobe reads, through OpenSSL's libcrypto (third_party/README.md
 * says why). Hex digests are 64 lower-case characters plus NUL.
 */
#ifndef KB_UTIL_HASH_H
#define KB_UTIL_HASH_H

#include <stddef.h>

#include "util/error.h"

#define KB_SHA256_HEX_SIZE 65

typedef struct kb_sha256 kb_sha256;

/* Streaming interface; kb_sha256_final() frees the context. */
kb_status kb_sha256_begin(kb_sha256 **out);
kb_status kb_sha256_update(kb_sha256 *ctx, const void *data, size_t len);
kb_status kb_sha256_final(kb_sha256 *ctx, char hex[KB_SHA256_HEX_SIZE]);
void kb_sha256_abort(kb_sha256 *ctx);

/* One-shot digest of a buffer. */
kb_status kb_sha256_buffer(const void *data, size_t len, char hex[KB_SHA256_HEX_SIZE]);

#endif
