/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tsk_error.h - what the evidence layers (image, volume, fs) share about libtsk: how a
 * libtsk error becomes a kb_error. In util because three layers use it and none may reach
 * into another's folder for it.
 *
 * libtsk keeps its last error per thread. Every call that can fail is followed at once, on
 * failure, by kb_tsk_error_take(), which copies the message out and resets libtsk's state so
 * that a later failure cannot be blamed on an old message.
 */
#ifndef KB_UTIL_TSK_ERROR_H
#define KB_UTIL_TSK_ERROR_H

#include <stddef.h>

/* Longest libtsk message kept (libtsk's own buffers are 1 KiB; ours are 512 bytes whole). */
#define KB_TSK_MESSAGE_MAX 256

/*
 * Copies libtsk's current error message for this thread into buf (NUL-terminated, control
 * characters replaced, "unknown libtsk error" when there is none) and resets libtsk's error.
 * buf_size must be at least 1.
 */
void kb_tsk_error_take(char *buf, size_t buf_size);

#endif
