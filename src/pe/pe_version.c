/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pe_version.c - the resource tree down to RT_VERSION, and VS_VERSIONINFO.
 *
 * Resource tree (PE/COFF specification, "The .rsrc Section"); offsets in it are relative to
 * the start of the resource directory (the "resource base"):
 *   directory table (16 bytes): +0 Characteristics u32, +4 TimeDateStamp u32,
 *     +8 MajorVersion u16, +10 MinorVersion u16, +12 NumberOfNamedEntries u16,
 *     +14 NumberOfIdEntries u16, then (named + id) entries of 8 bytes:
 *   entry: +0 Name/ID u32 (high bit: offset of a name string, else an integer ID),
 *     +4 Offset u32 (high bit: offset of a subdirectory, else of a data entry);
 *   data entry (16 bytes): +0 DataRVA u32 (an RVA, not base-relative), +4 Size u32,
 *     +8 Codepage u32, +12 Reserved u32.
 * Level 1 is the type (RT_VERSION = 16), level 2 the name, level 3 the language.
 *
 * VS_VERSIONINFO (Win32 docs "VS_VERSIONINFO", "StringFileInfo", "StringTable", "String"):
 * every block is +0 wLength u16 (bytes of the block, children included), +2 wValueLength u16
 * (bytes, or UTF-16 units when wType is 1), +4 wType u16 (1 text, 0 binary), +6 szKey
 * (UTF-16LE, NUL-terminated), padding to a 32-bit boundary, the value, padding, children.
 * The root's key is "VS_VERSION_INFO" and its value a VS_FIXEDFILEINFO (52 bytes):
 * +0 dwSignature 0xFEEF04BD, +4 dwStrucVersion, +8 dwFileVersionMS, +12 dwFileVersionLS,
 * +16 dwProductVersionMS, +20 dwProductVersionLS, then flags, OS, type and date. Children:
 * "StringFileInfo" (children: StringTables keyed "040904B0", whose children are Strings)
 * and "VarFileInfo".
 */
#include <stdlib.h>
#include <string.h>

#include "pe/pe_internal.h"
#include "util/limits.h"
#include "util/span.h"
#include "util/text.h"

#define RT_VERSION 16
#define RES_DIR_SIZE 16
#define RES_ENTRY_SIZE 8
#define RES_DATA_ENTRY_SIZE 16
#define RES_HIGH_BIT 0x80000000u

#define VS_HEADER_SIZE 6
#define VS_FIXED_SIZE 52
#define VS_FIXED_SIGNATURE 0xfeef04bdu

/* State of one walk of the resource tree. */
typedef struct res_walk {
    const kb_pe_image *image;
    kb_span res;                 /* resource base to the end of its section's raw data */
    size_t res_off;              /* file offset of the resource base */
    size_t entries;              /* entries seen, against KB_MAX_RESOURCE_ENTRIES */
    uint32_t visited[KB_MAX_RESOURCE_ENTRIES]; /* directory offsets entered */
    size_t visited_count;
} res_walk;

/*
 * Walks the directory at base-relative `dir` (level `depth`, 0 = types) looking for the
 * first RT_VERSION data entry; *found receives its base-relative offset or stays 0 when the
 * subtree has none.
 */
static kb_status find_version(res_walk *w, uint32_t dir, unsigned depth, uint32_t *found,
                              kb_error *err)
{
    uint16_t named, ids;
    size_t i, n, table;

    /* A directory entered twice is a loop (an entry pointing back up the tree). */
    for (i = 0; i < w->visited_count; i++)
        if (w->visited[i] == dir)
            return kb_error_set(err, KB_ERR_CORRUPT, "resource directory loop at offset 0x%zx",
                                w->res_off + dir);
    if (depth >= KB_MAX_RESOURCE_DEPTH)
        return kb_error_set(err, KB_ERR_LIMIT,
                            "resource tree deeper than KB_MAX_RESOURCE_DEPTH (%u) at offset 0x%zx",
                            (unsigned)KB_MAX_RESOURCE_DEPTH, w->res_off + dir);
    if (kb_span_le16(&w->res, (size_t)dir + 12, &named) != KB_OK ||
        kb_span_le16(&w->res, (size_t)dir + 14, &ids) != KB_OK)
        return kb_error_set(err, KB_ERR_CORRUPT, "resource directory out of bounds at offset 0x%zx",
                            w->res_off + dir);
    n = (size_t)named + ids;
    if (n > KB_MAX_RESOURCE_ENTRIES - w->entries)
        return kb_error_set(err, KB_ERR_LIMIT,
                            "more than KB_MAX_RESOURCE_ENTRIES (%u) resource entries at offset "
                            "0x%zx",
                            (unsigned)KB_MAX_RESOURCE_ENTRIES, w->res_off + dir);
    w->entries += n;
    if (w->visited_count >= KB_MAX_RESOURCE_ENTRIES)
        return kb_error_set(err, KB_ERR_LIMIT, "too many resource directories at offset 0x%zx",
                            w->res_off + dir);
    w->visited[w->visited_count++] = dir;
    table = (size_t)dir + RES_DIR_SIZE;
    if (!kb_span_fits(&w->res, table, n * RES_ENTRY_SIZE))
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "resource directory entry out of bounds at offset 0x%zx",
                            w->res_off + table);
    for (i = 0; i < n && *found == 0; i++) {
        uint32_t name, target;
        kb_status st;

        (void)kb_span_le32(&w->res, table + i * RES_ENTRY_SIZE, &name);
        (void)kb_span_le32(&w->res, table + i * RES_ENTRY_SIZE + 4, &target);
        if (depth == 0 && name != RT_VERSION)
            continue;
        if (target & RES_HIGH_BIT) {
            st = find_version(w, target & ~RES_HIGH_BIT, depth + 1, found, err);
            if (st != KB_OK)
                return st;
        } else if (depth == 0) {
            return kb_error_set(err, KB_ERR_CORRUPT,
                                "resource type entry without a subdirectory at offset 0x%zx",
                                w->res_off + table + i * RES_ENTRY_SIZE);
        } else {
            if (!kb_span_fits(&w->res, target, RES_DATA_ENTRY_SIZE) || target == 0)
                return kb_error_set(err, KB_ERR_CORRUPT,
                                    "resource data entry out of bounds at offset 0x%zx",
                                    w->res_off + table + i * RES_ENTRY_SIZE);
            *found = target;
        }
    }
    return KB_OK;
}

/* One VS_VERSIONINFO block, offsets relative to the version resource. */
typedef struct vs_block {
    size_t start;
    size_t end;          /* start + wLength */
    uint16_t value_length;
    uint16_t type;
    size_t key_off;
    size_t key_units;    /* without the NUL */
    size_t value_off;    /* clamped to end */
    size_t children_off; /* clamped to end */
} vs_block;

static size_t align4(size_t off)
{
    return (off + 3) & ~(size_t)3;
}

/*
 * Reads the block header at `start`, which must lie in [start, limit). `file_off` is the file
 * offset of the version resource, for messages.
 */
static kb_status read_block(const kb_span *vs, size_t start, size_t limit, size_t file_off,
                            vs_block *b, kb_error *err)
{
    uint16_t length;
    size_t i, value_bytes;

    if (start > limit || limit - start < VS_HEADER_SIZE ||
        kb_span_le16(vs, start, &length) != KB_OK)
        return kb_error_set(err, KB_ERR_CORRUPT, "version block header out of bounds at offset 0x%zx",
                            file_off + start);
    (void)kb_span_le16(vs, start + 2, &b->value_length);
    (void)kb_span_le16(vs, start + 4, &b->type);
    if (length < VS_HEADER_SIZE + 2)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "version block length %u smaller than its header at offset 0x%zx",
                            (unsigned)length, file_off + start);
    if (length > limit - start)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "version block length %u past its parent or the resource at offset "
                            "0x%zx",
                            (unsigned)length, file_off + start);
    b->start = start;
    b->end = start + length;
    b->key_off = start + VS_HEADER_SIZE;
    /* The key is scanned within the block (and so within the resource). */
    for (i = 0;; i++) {
        uint16_t unit;

        if (b->end - b->key_off < 2 * i + 2)
            return kb_error_set(err, KB_ERR_CORRUPT,
                                "version block key without terminator at offset 0x%zx",
                                file_off + b->key_off);
        (void)kb_span_le16(vs, b->key_off + 2 * i, &unit);
        if (unit == 0)
            break;
    }
    b->key_units = i;
    b->value_off = align4(b->key_off + 2 * i + 2);
    if (b->value_off > b->end)
        b->value_off = b->end;
    value_bytes = b->type == 1 ? (size_t)b->value_length * 2 : b->value_length;
    if (value_bytes > b->end - b->value_off)
        value_bytes = b->end - b->value_off;
    b->children_off = align4(b->value_off + value_bytes);
    if (b->children_off > b->end)
        b->children_off = b->end;
    return KB_OK;
}

/* UTF-16LE [off, off + 2*units) of vs to a new UTF-8 string (stops at a NUL). */
static kb_status utf16_dup(const kb_span *vs, size_t off, size_t units, char **out, kb_error *err)
{
    const uint8_t *p = kb_span_at(vs, off, units * 2);

    if (p == NULL)
        return kb_error_set(err, KB_ERR_CORRUPT, "version string out of bounds");
    /* at most 3 UTF-8 bytes per UTF-16 unit (4 per surrogate pair) */
    *out = malloc(units * 3 + 1);
    if (*out == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory for a version string");
    kb_utf16le_to_utf8(p, units, *out, units * 3 + 1);
    return KB_OK;
}

/* True when the block's key equals the ASCII `key`. */
static bool key_is(const kb_span *vs, const vs_block *b, const char *key)
{
    size_t i, n = strlen(key);
    uint16_t unit;

    if (b->key_units != n)
        return false;
    for (i = 0; i < n; i++) {
        (void)kb_span_le16(vs, b->key_off + 2 * i, &unit);
        if (unit != (uint8_t)key[i])
            return false;
    }
    return true;
}

/*
 * Calls `child` for each child block of `parent`. Trailing bytes too short for a header, or
 * a zero wLength, are padding and end the list. Each child advances by at least a header, so
 * the loop always progresses.
 */
typedef kb_status (*child_fn)(const kb_span *vs, const vs_block *b, size_t file_off, kb_pe *pe,
                              bool *stop, kb_error *err);

static kb_status each_child(const kb_span *vs, const vs_block *parent, size_t file_off,
                            child_fn child, kb_pe *pe, kb_error *err)
{
    size_t pos = parent->children_off;
    bool stop = false;

    while (!stop && pos < parent->end && parent->end - pos >= VS_HEADER_SIZE) {
        uint16_t length;
        vs_block b;
        kb_status st;

        (void)kb_span_le16(vs, pos, &length);
        if (length == 0)
            break;
        st = read_block(vs, pos, parent->end, file_off, &b, err);
        if (st != KB_OK)
            return st;
        st = child(vs, &b, file_off, pe, &stop, err);
        if (st != KB_OK)
            return st;
        pos = align4(b.end);
    }
    return KB_OK;
}

/* A String: key and text value into pe->strings. */
static kb_status on_string(const kb_span *vs, const vs_block *b, size_t file_off, kb_pe *pe,
                           bool *stop, kb_error *err)
{
    kb_pe_string *grown;
    size_t units = (b->end - b->value_off) / 2;
    kb_status st;

    (void)stop;
    if (pe->string_count >= KB_MAX_VERSION_STRINGS)
        return kb_error_set(err, KB_ERR_LIMIT,
                            "more than KB_MAX_VERSION_STRINGS (%u) version strings at offset 0x%zx",
                            (unsigned)KB_MAX_VERSION_STRINGS, file_off + b->start);
    /* wValueLength is in units with or without the NUL depending on the writer (some count
     * bytes): read at most that many, never past the block, and stop at a NUL. */
    if (b->value_length < units)
        units = b->value_length;
    grown = realloc(pe->strings, (pe->string_count + 1) * sizeof(*pe->strings));
    if (grown == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory for version strings");
    pe->strings = grown;
    pe->strings[pe->string_count].key = NULL;
    pe->strings[pe->string_count].value = NULL;
    pe->string_count++;
    st = utf16_dup(vs, b->key_off, b->key_units, &pe->strings[pe->string_count - 1].key, err);
    if (st != KB_OK)
        return st;
    return utf16_dup(vs, b->value_off, units, &pe->strings[pe->string_count - 1].value, err);
}

/* A StringTable: only the first one is kept. */
static kb_status on_string_table(const kb_span *vs, const vs_block *b, size_t file_off, kb_pe *pe,
                                 bool *stop, kb_error *err)
{
    *stop = true;
    return each_child(vs, b, file_off, on_string, pe, err);
}

/* A child of the root: StringFileInfo (the first one) or VarFileInfo (skipped). */
static kb_status on_root_child(const kb_span *vs, const vs_block *b, size_t file_off, kb_pe *pe,
                               bool *stop, kb_error *err)
{
    if (!key_is(vs, b, "StringFileInfo") || pe->strings != NULL)
        return KB_OK;
    (void)stop;
    return each_child(vs, b, file_off, on_string_table, pe, err);
}

/* build_lab and branch from "6.0.3790.3959 (srv03_sp2_rtm.070216-1710)". */
static kb_status derive_build_lab(kb_pe *pe, kb_error *err)
{
    const char *open, *dot;
    size_t n;

    if (!kb_text_parenthesized(kb_pe_string_get(pe, "FileVersion"), &open, &n))
        return KB_OK;
    pe->build_lab = malloc(n + 1);
    if (pe->build_lab == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory for the build lab");
    memcpy(pe->build_lab, open, n);
    pe->build_lab[n] = '\0';
    dot = strchr(pe->build_lab, '.');
    n = dot != NULL ? (size_t)(dot - pe->build_lab) : n;
    if (n == 0)
        return KB_OK;
    pe->branch = malloc(n + 1);
    if (pe->branch == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory for the branch");
    memcpy(pe->branch, pe->build_lab, n);
    pe->branch[n] = '\0';
    return KB_OK;
}

/* VS_VERSIONINFO in vs (file offset file_off). */
static kb_status parse_version_info(const kb_span *vs, size_t file_off, kb_pe *pe, kb_error *err)
{
    uint32_t signature, fv_ms, fv_ls, pv_ms, pv_ls;
    vs_block root;
    kb_status st;

    st = read_block(vs, 0, vs->size, file_off, &root, err);
    if (st != KB_OK)
        return st;
    if (!key_is(vs, &root, "VS_VERSION_INFO"))
        return kb_error_set(err, KB_ERR_CORRUPT, "version resource key is not VS_VERSION_INFO at "
                            "offset 0x%zx", file_off + root.key_off);
    if (root.value_length == 0)
        return KB_OK; /* no VS_FIXEDFILEINFO: no version numbers */
    if (root.value_length < VS_FIXED_SIZE || !kb_span_fits(vs, root.value_off, VS_FIXED_SIZE) ||
        VS_FIXED_SIZE > root.end - root.value_off)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "VS_FIXEDFILEINFO (%u bytes) truncated at offset 0x%zx",
                            (unsigned)root.value_length, file_off + root.value_off);
    (void)kb_span_le32(vs, root.value_off, &signature);
    if (signature != VS_FIXED_SIGNATURE)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "VS_FIXEDFILEINFO signature 0x%08lx is not 0xfeef04bd at offset 0x%zx",
                            (unsigned long)signature, file_off + root.value_off);
    (void)kb_span_le32(vs, root.value_off + 8, &fv_ms);
    (void)kb_span_le32(vs, root.value_off + 12, &fv_ls);
    (void)kb_span_le32(vs, root.value_off + 16, &pv_ms);
    (void)kb_span_le32(vs, root.value_off + 20, &pv_ls);
    pe->file_version[0] = (uint16_t)(fv_ms >> 16);
    pe->file_version[1] = (uint16_t)(fv_ms & 0xffff);
    pe->file_version[2] = (uint16_t)(fv_ls >> 16);
    pe->file_version[3] = (uint16_t)(fv_ls & 0xffff);
    pe->product_version[0] = (uint16_t)(pv_ms >> 16);
    pe->product_version[1] = (uint16_t)(pv_ms & 0xffff);
    pe->product_version[2] = (uint16_t)(pv_ls >> 16);
    pe->product_version[3] = (uint16_t)(pv_ls & 0xffff);
    st = each_child(vs, &root, file_off, on_root_child, pe, err);
    if (st != KB_OK)
        return st;
    st = derive_build_lab(pe, err);
    if (st != KB_OK)
        return st;
    pe->has_version = true;
    return KB_OK;
}

kb_status kb_pe_version_parse(const kb_pe_image *image, kb_pe *pe, kb_error *err)
{
    uint32_t rva = image->dir_rva[KB_PE_DIR_RESOURCE], found = 0, data_rva, data_size;
    size_t off, avail, data_off;
    res_walk *w;
    kb_span vs;
    kb_status st;

    if (rva == 0 || image->dir_size[KB_PE_DIR_RESOURCE] == 0)
        return KB_OK;
    w = calloc(1, sizeof(*w));
    if (w == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory for the resource walk");
    st = kb_pe_rva_map(image, rva, RES_DIR_SIZE, &off, &avail, "resource directory", err);
    if (st != KB_OK)
        goto out;
    w->image = image;
    w->res_off = off;
    w->res = kb_span_make(image->file.data + off, avail);
    st = find_version(w, 0, 0, &found, err);
    if (st != KB_OK || found == 0)
        goto out;
    (void)kb_span_le32(&w->res, found, &data_rva);
    (void)kb_span_le32(&w->res, (size_t)found + 4, &data_size);
    st = kb_pe_rva_map(image, data_rva, data_size, &data_off, NULL, "version resource data", err);
    if (st != KB_OK) {
        kb_error_prefix(err, "resource data entry at offset 0x%zx", off + found);
        goto out;
    }
    vs = kb_span_make(image->file.data + data_off, data_size);
    st = parse_version_info(&vs, data_off, pe, err);
out:
    free(w);
    return st;
}
