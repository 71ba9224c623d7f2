/* SPDX-License-Identifier: Apache-2.0 */
/*
 * text.h - bounded string helpers: UTF-16LE from the image to UTF-8, safe copies, and the
 * case-insensitive ASCII comparisons Windows names need.
 */
#ifndef KB_UTIL_TEXT_H
#define KB_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Converts UTF-16LE to NUL-terminated UTF-8. Reads at most `units` code units from `data`
 * (the caller has checked that 2*units bytes are readable) and stops early at a NUL unit.
 * Unpaired surrogates become U+FFFD. Output is truncated (on a character boundary) to fit
 * out_size, which must be at least 1. Returns the number of code units consumed, not counting
 * a terminating NUL.
 */
size_t kb_utf16le_to_utf8(const uint8_t *data, size_t units, char *out, size_t out_size);

/* Copies src into dst (always NUL-terminated, truncated to dst_size). dst_size >= 1. */
void kb_strlcpy(char *dst, const char *src, size_t dst_size);

/*
 * out = a + b + c (any may be ""), always NUL-terminated. Returns false, with out cut to fit,
 * when the whole did not fit: callers that build a path from it must treat false as an error.
 */
bool kb_str_join3(char *out, size_t out_size, const char *a, const char *b, const char *c);

/*
 * The text between the first '(' of `text` and the next ')' (or the end), without leading
 * and trailing blanks: the build-lab part of a FileVersion string such as
 * "6.0.3790.3959 (srv03_sp2_rtm.070216-1710)". Sets *start and *len and returns true, or
 * returns false when there is no '(' or nothing inside.
 */
bool kb_text_parenthesized(const char *text, const char **start, size_t *len);

/* ASCII case-insensitive equality / prefix test. */
bool kb_ascii_iequal(const char *a, const char *b);
bool kb_ascii_istarts_with(const char *s, const char *prefix);

/* Replaces control characters (< 0x20, 0x7f) with '?', in place: for names from an image
 * that end up on a terminal or in a log. */
void kb_sanitize_printable(char *s);

#endif
