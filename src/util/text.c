/* SPDX-License-Identifier: Apache-2.0 */
#include "util/text.h"

#include <string.h>

static size_t put_utf8(uint32_t cp, char *out, size_t room)
{
    if (cp < 0x80) {
        if (room < 1)
            return 0;
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        if (room < 2)
            return 0;
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        if (room < 3)
            return 0;
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    if (room < 4)
        return 0;
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

size_t kb_utf16le_to_utf8(const uint8_t *data, size_t units, char *out, size_t out_size)
{
    size_t i = 0, used = 0;

    if (out_size == 0)
        return 0;
    while (i < units) {
        uint32_t cp = (uint32_t)data[2 * i] | (uint32_t)data[2 * i + 1] << 8;
        size_t step = 1, wrote;

        if (cp == 0)
            break;
        if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < units) {
            uint32_t low = (uint32_t)data[2 * i + 2] | (uint32_t)data[2 * i + 3] << 8;
            if (low >= 0xdc00 && low <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                step = 2;
            } else {
                cp = 0xfffd;
            }
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
            cp = 0xfffd;
        }
        wrote = put_utf8(cp, out + used, out_size - 1 - used);
        if (wrote == 0)
            break;
        used += wrote;
        i += step;
    }
    out[used] = '\0';
    return i;
}

void kb_strlcpy(char *dst, const char *src, size_t dst_size)
{
    size_t n;

    if (dst_size == 0)
        return;
    n = strnlen(src, dst_size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

bool kb_str_join3(char *out, size_t out_size, const char *a, const char *b, const char *c)
{
    const char *parts[3] = {a, b, c};
    size_t used = 0, i;
    bool whole = true;

    if (out_size == 0)
        return false;
    for (i = 0; i < 3; i++) {
        size_t n = strlen(parts[i]);

        if (n > out_size - 1 - used) {
            n = out_size - 1 - used;
            whole = false;
        }
        memcpy(out + used, parts[i], n);
        used += n;
    }
    out[used] = '\0';
    return whole;
}

bool kb_text_parenthesized(const char *text, const char **start, size_t *len)
{
    const char *open, *close;
    size_t n;

    if (text == NULL || (open = strchr(text, '(')) == NULL)
        return false;
    open++;
    close = strchr(open, ')');
    n = close != NULL ? (size_t)(close - open) : strlen(open);
    while (n > 0 && *open == ' ') {
        open++;
        n--;
    }
    while (n > 0 && open[n - 1] == ' ')
        n--;
    if (n == 0)
        return false;
    *start = open;
    *len = n;
    return true;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

bool kb_ascii_iequal(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return false;
        a++;
        b++;
    }
    return *a == *b;
}

bool kb_ascii_istarts_with(const char *s, const char *prefix)
{
    while (*prefix != '\0') {
        if (*s == '\0' || lower((unsigned char)*s) != lower((unsigned char)*prefix))
            return false;
        s++;
        prefix++;
    }
    return true;
}

void kb_sanitize_printable(char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            *s = '?';
}
