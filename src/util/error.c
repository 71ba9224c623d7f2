/* SPDX-License-Identifier: Apache-2.0 */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kb_error_clear(kb_error *err)
{
    if (err == NULL)
        return;
    err->status = KB_OK;
    err->message[0] = '\0';
}

kb_status kb_error_set(kb_error *err, kb_status status, const char *format, ...)
{
    va_list args;

    if (err == NULL)
        return status;
    err->status = status;
    va_start(args, format);
    vsnprintf(err->message, sizeof(err->message), format, args);
    va_end(args);
    return status;
}

void kb_error_prefix(kb_error *err, const char *format, ...)
{
    char joined[KB_ERROR_MESSAGE_MAX];
    const char *rest;
    size_t used, rest_len;
    int n;
    va_list args;

    if (err == NULL)
        return;
    va_start(args, format);
    n = vsnprintf(joined, sizeof(joined), format, args);
    va_end(args);
    if (n < 0)
        return;
    used = strlen(joined);
    rest = err->message[0] != '\0' ? err->message : kb_status_name(err->status);
    rest_len = strlen(rest);
    /* "<context>: <rest>", truncated to the buffer */
    if (used + 2 < sizeof(joined)) {
        memcpy(joined + used, ": ", 2);
        used += 2;
        if (rest_len > sizeof(joined) - 1 - used)
            rest_len = sizeof(joined) - 1 - used;
        memcpy(joined + used, rest, rest_len);
        used += rest_len;
    }
    joined[used] = '\0';
    memcpy(err->message, joined, sizeof(err->message));
}

const char *kb_status_name(kb_status status)
{
    switch (status) {
    case KB_OK: return "ok";
    case KB_ERR_NOMEM: return "out of memory";
    case KB_ERR_IO: return "i/o error";
    case KB_ERR_CORRUPT: return "corrupt data";
    case KB_ERR_UNSUPPORTED: return "unsupported";
    case KB_ERR_LIMIT: return "limit reached";
    case KB_ERR_NOT_FOUND: return "not found";
    case KB_ERR_ARGUMENT: return "invalid argument";
    case KB_ERR_EXISTS: return "already exists";
    }
    return "unknown status";
}
