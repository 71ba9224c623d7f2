/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.h - the one error convention of kbprobe.
 *
 * Every fallible function returns a kb_status (KB_OK is 0, failures are negative) and takes
 * an optional kb_error last. The message is lower case, has no full stop, and says what failed
 * first and then where ("resource entry out of bounds at offset 0x1f0"). Callers add context
 * in front with kb_error_prefix() ("disk.vhd: partition 2: ...").
 */
#ifndef KB_UTIL_ERROR_H
#define KB_UTIL_ERROR_H

#include <stddef.h>

typedef enum kb_status {
    KB_OK = 0,
    KB_ERR_NOMEM = -1,       /* an allocation failed */
    KB_ERR_IO = -2,          /* the evidence or a host file could not be read or written */
    KB_ERR_CORRUPT = -3,     /* bytes from the image are malformed */
    KB_ERR_UNSUPPORTED = -4, /* well-formed but not something kbprobe handles */
    KB_ERR_LIMIT = -5,       /* a cap from src/util/limits.h was reached */
    KB_ERR_NOT_FOUND = -6,   /* the file, key or value is not there */
    KB_ERR_ARGUMENT = -7,    /* the caller passed something invalid */
    KB_ERR_EXISTS = -8,      /* refusing to overwrite */
} kb_status;

#define KB_ERROR_MESSAGE_MAX 512

typedef struct kb_error {
    kb_status status;
    char message[KB_ERROR_MESSAGE_MAX];
} kb_error;

/* Clears err (status KB_OK, empty message). err may be NULL. */
void kb_error_clear(kb_error *err);

/*
 * Records status and a printf-style message in err (when err is not NULL) and returns status,
 * so that callers can write `return kb_error_set(err, KB_ERR_CORRUPT, "...", ...);`.
 */
kb_status kb_error_set(kb_error *err, kb_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts "<context>: " in front of the message already in err. err may be NULL. */
void kb_error_prefix(kb_error *err, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* A short stable name for a status: "ok", "no memory", "i/o error", "corrupt", ... */
const char *kb_status_name(kb_status status);

#endif
