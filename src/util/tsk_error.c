/* SPDX-License-Identifier: Apache-2.0 */
#include "util/tsk_error.h"

#include <string.h>

#include <tsk/libtsk.h>

#include "util/text.h"

void kb_tsk_error_take(char *buf, size_t buf_size)
{
    const char *message = tsk_error_get();
    size_t n;

    if (buf == NULL || buf_size == 0)
        return;
    kb_strlcpy(buf, message != NULL && message[0] != '\0' ? message : "unknown libtsk error",
               buf_size);
    tsk_error_reset();
    /* libtsk ends some messages with a newline; keep ours on one line. */
    n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    kb_sanitize_printable(buf);
}
