/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ntfs_index.c - parsing of NTFS directory index nodes (see ntfs_index.h for the layouts).
 * Everything here works on bytes already read; every field is treated as hostile.
 */
#include "fs/ntfs_index.h"

#include <string.h>

#include "util/span.h"

/* Index entry fields */
#define ENTRY_REFERENCE 0x00u
#define ENTRY_LENGTH 0x08u
#define ENTRY_KEY_LENGTH 0x0Au
#define ENTRY_FLAGS 0x0Cu
#define ENTRY_KEY 0x10u
#define ENTRY_FLAG_SUBNODE 0x01u
#define ENTRY_FLAG_LAST 0x02u
/* $FILE_NAME fields inside the key */
#define FILE_NAME_FLAGS 0x38u
#define FILE_NAME_LENGTH 0x40u
#define FILE_NAME_SPACE 0x41u
/* Node header fields */
#define NODE_FIRST 0x00u
#define NODE_END 0x04u
#define NODE_HEADER_SIZE 0x10u

int kb_ntfs_name_compare(const uint16_t *upcase, const uint16_t *a, size_t a_units,
                         const uint16_t *b, size_t b_units)
{
    size_t n = a_units < b_units ? a_units : b_units;
    size_t i;

    for (i = 0; i < n; i++) {
        uint16_t ua = upcase[a[i]];
        uint16_t ub = upcase[b[i]];

        if (ua != ub)
            return ua < ub ? -1 : 1;
    }
    if (a_units == b_units)
        return 0;
    return a_units < b_units ? -1 : 1;
}

kb_status kb_ntfs_utf8_to_utf16(const char *utf8, uint16_t *out, size_t max, size_t *units,
                                kb_error *err)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t n = 0;

    while (*s != '\0') {
        uint32_t cp;
        size_t extra, i;

        if (*s < 0x80) {
            cp = *s;
            extra = 0;
        } else if ((*s & 0xE0) == 0xC0) {
            cp = *s & 0x1Fu;
            extra = 1;
        } else if ((*s & 0xF0) == 0xE0) {
            cp = *s & 0x0Fu;
            extra = 2;
        } else if ((*s & 0xF8) == 0xF0) {
            cp = *s & 0x07u;
            extra = 3;
        } else {
            return kb_error_set(err, KB_ERR_ARGUMENT, "invalid utf-8 in name");
        }
        for (i = 1; i <= extra; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return kb_error_set(err, KB_ERR_ARGUMENT, "invalid utf-8 in name");
            cp = cp << 6 | (s[i] & 0x3Fu);
        }
        /* overlong forms, surrogates and values past U+10FFFF are not names */
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
            (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return kb_error_set(err, KB_ERR_ARGUMENT, "invalid utf-8 in name");
        if (cp >= 0x10000) {
            if (max - n < 2)
                return kb_error_set(err, KB_ERR_ARGUMENT, "name longer than %zu units", max);
            cp -= 0x10000;
            out[n++] = (uint16_t)(0xD800 + (cp >> 10));
            out[n++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
        } else {
            if (n == max)
                return kb_error_set(err, KB_ERR_ARGUMENT, "name longer than %zu units", max);
            out[n++] = (uint16_t)cp;
        }
        s += extra + 1;
    }
    *units = n;
    return KB_OK;
}

kb_status kb_ntfs_index_fixup(uint8_t *block, size_t size, kb_error *err)
{
    kb_span span = kb_span_make(block, size);
    uint16_t usa_off, usa_count, usn, saved, on_disk;
    size_t sectors, i;

    if (size < KB_NTFS_SECTOR || size % KB_NTFS_SECTOR != 0)
        return kb_error_set(err, KB_ERR_CORRUPT, "index record size %zu is not a multiple of "
                            "512", size);
    if (memcmp(block, "INDX", 4) != 0)
        return kb_error_set(err, KB_ERR_CORRUPT, "index record without the INDX signature");
    kb_span_le16(&span, 4, &usa_off);
    kb_span_le16(&span, 6, &usa_count);
    sectors = size / KB_NTFS_SECTOR;
    if (usa_count != sectors + 1)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "index record update sequence count %u does not match its %zu "
                            "sectors", usa_count, sectors);
    /* The array must lie in the first sector, before that sector's own fixup bytes, and not
     * over the record header. */
    if (usa_off < 0x28 || usa_off % 2 != 0 || usa_off > KB_NTFS_SECTOR - 2 ||
        (size_t)usa_count * 2 > KB_NTFS_SECTOR - 2 - (size_t)usa_off)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "index record update sequence array out of bounds at offset 0x%x",
                            usa_off);
    kb_span_le16(&span, usa_off, &usn);
    for (i = 0; i < sectors; i++) {
        size_t tail = i * KB_NTFS_SECTOR + KB_NTFS_SECTOR - 2;

        kb_span_le16(&span, tail, &on_disk);
        if (on_disk != usn)
            return kb_error_set(err, KB_ERR_CORRUPT,
                                "index record fixup mismatch in sector %zu (0x%04x, expected "
                                "0x%04x)", i, on_disk, usn);
        kb_span_le16(&span, usa_off + 2 * (i + 1), &saved);
        block[tail] = (uint8_t)(saved & 0xFF);
        block[tail + 1] = (uint8_t)(saved >> 8);
    }
    return KB_OK;
}

/* One parsed entry. */
typedef struct entry_view {
    uint32_t flags;
    uint64_t reference;
    uint64_t child_vcn;       /* when flags has ENTRY_FLAG_SUBNODE */
    const uint8_t *key;       /* NULL for the last entry */
    size_t key_len;
    const uint8_t *name;      /* UTF-16LE, name_units units */
    size_t name_units;
    uint8_t name_space;
    uint32_t file_flags;
} entry_view;

typedef struct node_view {
    kb_span node;             /* header .. end of entries in use */
    size_t first;             /* offset of the first entry in node */
    size_t base;              /* offset of node in the block, for messages */
} node_view;

static kb_status node_open(const uint8_t *block, size_t size, size_t node_off, node_view *view,
                           kb_error *err)
{
    kb_span whole = kb_span_make(block, size);
    kb_span header;
    uint32_t first, end;

    if (kb_span_sub(&whole, node_off, NODE_HEADER_SIZE, &header) != KB_OK)
        return kb_error_set(err, KB_ERR_CORRUPT, "index node header out of bounds at offset "
                            "0x%zx", node_off);
    kb_span_le32(&header, NODE_FIRST, &first);
    kb_span_le32(&header, NODE_END, &end);
    if (first < NODE_HEADER_SIZE || first % 8 != 0 || end < first ||
        end > size - node_off)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "index node entries out of bounds at offset 0x%zx (first 0x%x, "
                            "end 0x%x)", node_off, first, end);
    kb_span_sub(&whole, node_off, end, &view->node);
    view->first = first;
    view->base = node_off;
    return KB_OK;
}

/* Parses the entry at *off in the node and advances *off past it. */
static kb_status entry_next(const node_view *view, size_t *off, entry_view *entry,
                            kb_error *err)
{
    const kb_span *node = &view->node;
    uint16_t length, key_len;
    size_t at = *off;
    size_t key_room;
    uint8_t units;

    memset(entry, 0, sizeof(*entry));
    if (!kb_span_fits(node, at, ENTRY_KEY))
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "index entry header out of bounds at offset 0x%zx",
                            view->base + at);
    kb_span_le64(node, at + ENTRY_REFERENCE, &entry->reference);
    kb_span_le16(node, at + ENTRY_LENGTH, &length);
    kb_span_le16(node, at + ENTRY_KEY_LENGTH, &key_len);
    kb_span_le32(node, at + ENTRY_FLAGS, &entry->flags);
    /* A length under the header would never advance the walk (a zero length loops). */
    if (length < ENTRY_KEY || length % 8 != 0 || !kb_span_fits(node, at, length))
        return kb_error_set(err, KB_ERR_CORRUPT, "index entry length %u invalid at offset "
                            "0x%zx", length, view->base + at);
    key_room = (size_t)length - ENTRY_KEY;
    if (entry->flags & ENTRY_FLAG_SUBNODE) {
        if (key_room < 8)
            return kb_error_set(err, KB_ERR_CORRUPT, "index entry too short for its sub-node "
                                "at offset 0x%zx", view->base + at);
        key_room -= 8;
        kb_span_le64(node, at + length - 8, &entry->child_vcn);
    }
    if ((entry->flags & ENTRY_FLAG_LAST) == 0) {
        if (key_len > key_room || key_len < KB_NTFS_FILE_NAME_NAME)
            return kb_error_set(err, KB_ERR_CORRUPT, "index entry key length %u invalid at "
                                "offset 0x%zx", key_len, view->base + at);
        entry->key = node->data + at + ENTRY_KEY;
        entry->key_len = key_len;
        units = entry->key[FILE_NAME_LENGTH];
        if ((size_t)units * 2 > key_len - KB_NTFS_FILE_NAME_NAME)
            return kb_error_set(err, KB_ERR_CORRUPT, "index entry name overruns its key at "
                                "offset 0x%zx", view->base + at);
        entry->name = entry->key + KB_NTFS_FILE_NAME_NAME;
        entry->name_units = units;
        entry->name_space = entry->key[FILE_NAME_SPACE];
        entry->file_flags = (uint32_t)entry->key[FILE_NAME_FLAGS] |
                            (uint32_t)entry->key[FILE_NAME_FLAGS + 1] << 8 |
                            (uint32_t)entry->key[FILE_NAME_FLAGS + 2] << 16 |
                            (uint32_t)entry->key[FILE_NAME_FLAGS + 3] << 24;
    }
    *off = at + length;
    return KB_OK;
}

static void decode_name(const entry_view *entry, uint16_t *out)
{
    size_t i;

    for (i = 0; i < entry->name_units; i++)
        out[i] = (uint16_t)(entry->name[2 * i] | entry->name[2 * i + 1] << 8);
}

static void fill_hit(const entry_view *entry, kb_ntfs_hit *hit)
{
    hit->mft_entry = entry->reference & 0xFFFFFFFFFFFFull;
    hit->sequence = (uint16_t)(entry->reference >> 48);
    hit->name_space = entry->name_space;
    hit->file_flags = entry->file_flags;
    hit->name_units = entry->name_units;
    decode_name(entry, hit->name);
}

kb_status kb_ntfs_index_node_search(const uint8_t *block, size_t size, size_t node_off,
                                    const uint16_t *upcase, const uint16_t *name,
                                    size_t name_units, kb_ntfs_hit *hit, kb_error *err)
{
    uint16_t key_name[KB_NTFS_NAME_MAX];
    node_view view;
    entry_view entry;
    size_t off;
    kb_status status;
    int order;

    memset(hit, 0, sizeof(*hit));
    status = node_open(block, size, node_off, &view, err);
    if (status != KB_OK)
        return status;
    /* Each entry is at least 16 bytes long, so the walk ends within node size / 16 steps. */
    for (off = view.first; off < view.node.size;) {
        status = entry_next(&view, &off, &entry, err);
        if (status != KB_OK)
            return status;
        hit->entries_seen++;
        if (entry.flags & ENTRY_FLAG_LAST) {
            order = -1;
        } else {
            decode_name(&entry, key_name);
            order = kb_ntfs_name_compare(upcase, name, name_units, key_name, entry.name_units);
        }
        if (order == 0) {
            hit->result = KB_NTFS_FOUND;
            fill_hit(&entry, hit);
            return KB_OK;
        }
        if (order < 0) {
            if (entry.flags & ENTRY_FLAG_SUBNODE) {
                hit->result = KB_NTFS_DESCEND;
                hit->child_vcn = entry.child_vcn;
            } else {
                hit->result = KB_NTFS_ABSENT;
            }
            return KB_OK;
        }
    }
    return kb_error_set(err, KB_ERR_CORRUPT, "index node at offset 0x%zx has no last entry",
                        node_off);
}

kb_status kb_ntfs_index_node_entries(const uint8_t *block, size_t size, size_t node_off,
                                     kb_ntfs_entry_cb cb, void *ctx, kb_error *err)
{
    kb_ntfs_hit hit;
    node_view view;
    entry_view entry;
    size_t off;
    kb_status status;

    status = node_open(block, size, node_off, &view, err);
    if (status != KB_OK)
        return status;
    for (off = view.first; off < view.node.size;) {
        status = entry_next(&view, &off, &entry, err);
        if (status != KB_OK)
            return status;
        memset(&hit, 0, sizeof(hit));
        hit.has_child = (entry.flags & ENTRY_FLAG_SUBNODE) != 0;
        hit.child_vcn = entry.child_vcn;
        if (entry.flags & ENTRY_FLAG_LAST) {
            if (hit.has_child) {
                hit.result = KB_NTFS_DESCEND;
                cb(ctx, &hit);
            }
            return KB_OK;
        }
        hit.result = KB_NTFS_FOUND;
        fill_hit(&entry, &hit);
        if (cb(ctx, &hit) != 0)
            return KB_OK;
    }
    return kb_error_set(err, KB_ERR_CORRUPT, "index node at offset 0x%zx has no last entry",
                        node_off);
}

void kb_ntfs_upcase_fallback(uint16_t *upcase)
{
    uint32_t i;

    for (i = 0; i < KB_NTFS_UPCASE_UNITS; i++)
        upcase[i] = (uint16_t)(i >= 'a' && i <= 'z' ? i - ('a' - 'A') : i);
}
