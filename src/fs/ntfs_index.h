/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ntfs_index.h - the NTFS directory index ($I30 B-tree) pieces of the fs layer that work on
 * bytes alone, so that unit tests can hand them crafted INDX blocks. fs.c reads the bytes
 * through libtsk and drives the descent.
 *
 * On-disk structures (NTFS as documented by the Linux-NTFS project's "NTFS Documentation"
 * and ntfs-3g's layout.h; offsets in bytes, little-endian):
 *
 * $INDEX_ROOT (attribute 0x90, name "$I30"), resident:
 *   0x00 4  type of the indexed attribute (0x30, $FILE_NAME, for directories)
 *   0x04 4  collation rule (1, COLLATION_FILE_NAME)
 *   0x08 4  bytes per index block (INDX record) in $INDEX_ALLOCATION
 *   0x0C 1  clusters per index block
 *   0x10    index node header, then the entries
 *
 * Index node header (offsets relative to the header itself):
 *   0x00 4  offset of the first entry
 *   0x04 4  offset just past the last entry (bytes in use)
 *   0x08 4  bytes allocated for the node
 *   0x0C 1  flags: 0x01 the node has children (a "large" index)
 *
 * INDX record (one block of $INDEX_ALLOCATION, attribute 0xA0, name "$I30"):
 *   0x00 4  "INDX"
 *   0x04 2  offset of the update sequence array
 *   0x06 2  entries in that array: 1 (the update sequence number) + one per 512-byte sector
 *   0x08 8  $LogFile sequence number
 *   0x10 8  VCN of this block in the index allocation
 *   0x18    index node header, then the entries
 *   The last two bytes of each 512-byte sector hold the update sequence number on disk; the
 *   real bytes are in the array ("fixups"). A mismatch means a torn or forged write.
 *
 * Index entry:
 *   0x00 8  file reference: MFT entry (low 48 bits) and sequence number (high 16 bits)
 *   0x08 2  length of the entry (multiple of 8)
 *   0x0A 2  length of the key
 *   0x0C 4  flags: 0x01 a sub-node follows (its VCN in the entry's last 8 bytes),
 *                  0x02 last entry of the node (no key)
 *   0x10    key: a $FILE_NAME attribute value
 *
 * $FILE_NAME (the key):
 *   0x00 8  reference of the parent directory
 *   0x08 32 four times (as in $STANDARD_INFORMATION, but updated less reliably)
 *   0x28 8  allocated size, 0x30 8 real size
 *   0x38 4  file attribute flags (0x10000000: the entry is a directory)
 *   0x3C 4  reparse tag / EA size
 *   0x40 1  name length in UTF-16 units
 *   0x41 1  namespace: 0 POSIX, 1 Win32, 2 DOS (8.3 only), 3 Win32 and DOS in one name
 *   0x42    the name, UTF-16LE
 *
 * Entries of a node are sorted by COLLATION_FILE_NAME: names compared unit by unit after
 * mapping each through the volume's $UpCase table, a shorter name first when one is a prefix
 * of the other. An entry's sub-node holds the names that sort before it; the last entry's
 * sub-node holds those after every keyed entry of the node.
 */
#ifndef KB_FS_NTFS_INDEX_H
#define KB_FS_NTFS_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define KB_NTFS_SECTOR 512u
#define KB_NTFS_INDEX_ROOT_HEADER 0x10u  /* node header offset in $INDEX_ROOT */
#define KB_NTFS_INDX_HEADER 0x18u        /* node header offset in an INDX record */
#define KB_NTFS_UPCASE_UNITS 65536u      /* $UpCase maps every UTF-16 unit: 128 KiB */
#define KB_NTFS_NAMESPACE_DOS 2u
#define KB_NTFS_FILE_NAME_NAME 0x42u     /* offset of the name in $FILE_NAME */
#define KB_NTFS_FILE_NAME_IS_DIRECTORY 0x10000000u

/* The longest NTFS name: 255 UTF-16 units (the length field is one byte). */
#define KB_NTFS_NAME_MAX 255

typedef enum kb_ntfs_search_result {
    KB_NTFS_FOUND,     /* the name is in this node: see hit */
    KB_NTFS_DESCEND,   /* the name can only be under child_vcn */
    KB_NTFS_ABSENT,    /* the name is not in this index */
} kb_ntfs_search_result;

typedef struct kb_ntfs_hit {
    kb_ntfs_search_result result;
    uint64_t child_vcn;        /* KB_NTFS_DESCEND */
    /* KB_NTFS_FOUND: */
    uint64_t mft_entry;        /* low 48 bits of the file reference */
    uint16_t sequence;         /* high 16 bits */
    uint8_t name_space;        /* 0 POSIX, 1 Win32, 2 DOS, 3 Win32+DOS */
    uint32_t file_flags;       /* $FILE_NAME flags (KB_NTFS_FILE_NAME_IS_DIRECTORY) */
    uint16_t name[KB_NTFS_NAME_MAX];
    size_t name_units;
    uint32_t entries_seen;     /* entries examined in the node, for the statistics */
    bool has_child;            /* kb_ntfs_index_node_entries: the entry has a sub-node */
} kb_ntfs_hit;

/*
 * Compares two UTF-16 names the way COLLATION_FILE_NAME does with case ignored: each unit
 * through `upcase` (KB_NTFS_UPCASE_UNITS entries), then by length. Returns <0, 0, >0.
 */
int kb_ntfs_name_compare(const uint16_t *upcase, const uint16_t *a, size_t a_units,
                         const uint16_t *b, size_t b_units);

/*
 * Converts NUL-terminated UTF-8 to UTF-16 units (surrogate pairs above U+FFFF). Fails with
 * KB_ERR_ARGUMENT on invalid UTF-8 or a NUL-free overlong name (more than max units).
 */
kb_status kb_ntfs_utf8_to_utf16(const char *utf8, uint16_t *out, size_t max, size_t *units,
                                kb_error *err);

/*
 * Checks an INDX record of `size` bytes (a multiple of 512) in place: signature, the update
 * sequence array within the first sector, and each sector's last two bytes against the
 * update sequence number, which are then replaced by the saved bytes. KB_ERR_CORRUPT on any
 * mismatch, naming the sector.
 */
kb_status kb_ntfs_index_fixup(uint8_t *block, size_t size, kb_error *err);

/*
 * Searches the node whose header is at `node_off` in block[0..size) for `name`. Every offset
 * and length read from the node is checked against the node and the block; entries are
 * visited in order and at most once. Returns KB_OK with hit filled in, or KB_ERR_CORRUPT
 * naming the offset of the bad field.
 */
kb_status kb_ntfs_index_node_search(const uint8_t *block, size_t size, size_t node_off,
                                    const uint16_t *upcase, const uint16_t *name,
                                    size_t name_units, kb_ntfs_hit *hit, kb_error *err);

/*
 * Calls cb for every entry of the node at node_off, in order: keyed entries with result
 * KB_NTFS_FOUND (the $FILE_NAME key decoded into the hit), and child_vcn set when
 * has_child; the last entry, when it has a sub-node, with result KB_NTFS_DESCEND. Same checks
 * as the search. cb returns non-zero to stop.
 */
typedef int (*kb_ntfs_entry_cb)(void *ctx, const kb_ntfs_hit *entry);
kb_status kb_ntfs_index_node_entries(const uint8_t *block, size_t size, size_t node_off,
                                     kb_ntfs_entry_cb cb, void *ctx, kb_error *err);

/* Fills upcase with the mapping used when a volume's $UpCase cannot be read: ASCII a-z to
 * A-Z, every other unit to itself. */
void kb_ntfs_upcase_fallback(uint16_t *upcase);

#endif
