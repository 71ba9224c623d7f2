/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hive_internal.h - what the files of src/hive share and nobody else sees.
 *
 * hive.c      libbfio handle over an abstract byte source, open/close, typed value reads
 * updates.c   the installed-update set (registry walk, folder names, merge, sort)
 * hive_fs.c   everything that touches kb_fs: in-place open, the $NtUninstall folder scan
 *
 * The split keeps hive.c and updates.c free of kb_fs symbols, so that unit tests link them
 * without the fs layer.
 */
#ifndef KB_HIVE_INTERNAL_H
#define KB_HIVE_INTERNAL_H

#include <libregf.h>

#include "hive/hive.h"

/*
 * Where a hive's bytes come from. read_at reads up to len bytes at off (*got = count, 0 at or
 * past the end) and records failures in err; release (may be NULL) frees ctx when the hive
 * is closed, or when opening fails after kb_hive_open_source took ownership.
 */
typedef struct kb_hive_source {
    void *ctx;
    uint64_t size;
    kb_status (*read_at)(void *ctx, uint64_t off, void *buf, size_t len, size_t *got,
                         kb_error *err);
    void (*release)(void *ctx);
} kb_hive_source;

/*
 * Opens a hive over `source` (libbfio handle with our callbacks, then libregf). Takes
 * ownership of source->ctx in every case: on failure it has been released already.
 */
kb_status kb_hive_open_source(const kb_hive_source *source, const char *name, kb_hive **out,
                              kb_error *err);

/*
 * Converts a libregf error to ours: "<what>: <hive name>: <libregf's message>", KB_ERR_IO
 * (with our read error's message) when a read of the evidence failed underneath, else
 * KB_ERR_CORRUPT. Frees *lib_error (may point to NULL). Returns the status.
 */
kb_status kb_hive_fail(kb_hive *hive, kb_error *err, libregf_error_t **lib_error,
                       const char *what_format, ...) __attribute__((format(printf, 4, 5)));

/* The key at `path` (see hive.h for paths); KB_ERR_NOT_FOUND when absent. Free *key with
 * libregf_key_free. */
kb_status kb_hive_key_get(kb_hive *hive, const char *path, libregf_key_t **key, kb_error *err);

/* Sub-key count (KB_ERR_LIMIT above KB_MAX_SUBKEYS) and sub-key i of an open key. `path` is
 * only for messages. */
kb_status kb_hive_key_subkey_count(kb_hive *hive, libregf_key_t *key, const char *path,
                                   int *count, kb_error *err);
kb_status kb_hive_key_subkey(kb_hive *hive, libregf_key_t *key, const char *path, int index,
                             libregf_key_t **sub, kb_error *err);

/* The name of an open key as UTF-8 (as stored). KB_ERR_LIMIT when it does not fit. */
kb_status kb_hive_key_name(kb_hive *hive, libregf_key_t *key, const char *path, char *out,
                           size_t out_size, kb_error *err);

/* String read flags */
enum { KB_HIVE_STRING_TRUNCATE = 1 /* cut to out_size instead of failing with KB_ERR_LIMIT */ };

/*
 * Value `value` (NULL or "" = default) of an open key as a string, like kb_hive_get_string.
 * *wrong_type (may be NULL) is set when the failure was KB_ERR_CORRUPT because of the type.
 */
kb_status kb_hive_key_string(kb_hive *hive, libregf_key_t *key, const char *path,
                             const char *value, char *out, size_t out_size, unsigned flags,
                             bool *wrong_type, kb_error *err);

/* Value of an open key as a REG_DWORD, like kb_hive_get_dword. */
kb_status kb_hive_key_dword(kb_hive *hive, libregf_key_t *key, const char *path,
                            const char *value, uint32_t *out, bool *wrong_type, kb_error *err);

/* Whether the open key has the value (any type). */
kb_status kb_hive_key_has_value(kb_hive *hive, libregf_key_t *key, const char *path,
                                const char *value, bool *has, kb_error *err);

/* The last path component of the hive name ("SOFTWARE"), for update "where" strings. */
const char *kb_hive_file_name(const kb_hive *hive);

/* Copies src into dst (dst_size >= 1), cutting on a UTF-8 character boundary and replacing
 * control characters with '?'. */
void kb_hive_copy_sanitized(char *dst, size_t dst_size, const char *src);

#endif
