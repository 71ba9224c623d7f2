/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fs.h - files out of an NTFS volume, by index lookups.
 *
 * Offers: open a partition's NTFS file system; look up a Windows path case-insensitively by
 * descending directory indexes one component at a time (never a walk of the whole tree);
 * metadata (MFT entry, size, $STANDARD_INFORMATION times); random-access reads of a file;
 * a bounded read of a whole file into memory with its SHA-256; the listing of one directory;
 * and the Windows installations of the volume (root directories holding system32\config).
 * Below: volume (and libtsk's fs layer). Above: the artefact parsers (pe, hive).
 *
 * Paths are UTF-8, components separated by '\' or '/', relative to the volume root (a leading
 * separator is optional; a drive letter is not accepted). Names returned are as spelled on
 * disk.
 */
#ifndef KB_FS_H
#define KB_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/hash.h"
#include "util/limits.h"
#include "volume/volume.h"

typedef struct kb_fs kb_fs;
typedef struct kb_fs_file kb_fs_file;

typedef struct kb_file_meta {
    uint64_t mft_entry;
    uint16_t sequence;
    uint64_t size;          /* bytes of the unnamed $DATA stream */
    bool is_directory;
    /* $STANDARD_INFORMATION times, seconds since 1970-01-01 UTC (0 when absent) */
    int64_t created;
    int64_t modified;
    int64_t mft_modified;
    int64_t accessed;
    /* the path as spelled on disk, '\'-separated, starting with '\' */
    char path[KB_MAX_PATH_BYTES];
} kb_file_meta;

/*
 * Opens the NTFS file system of `partition` (one of `volumes`). KB_ERR_UNSUPPORTED when it is
 * not NTFS. Errors name the image and the partition. `volumes` must outlive the result.
 */
kb_status kb_fs_open(const kb_volumes *volumes, const kb_partition *partition, kb_fs **out,
                     kb_error *err);
void kb_fs_close(kb_fs *fs);

/* The partition this file system was opened from. */
const kb_partition *kb_fs_partition(const kb_fs *fs);
/* The image path, for messages. */
const char *kb_fs_image_path(const kb_fs *fs);

/* Looks up `path` case-insensitively; KB_ERR_NOT_FOUND (with a message naming the missing
 * component) when any component is absent. */
kb_status kb_fs_lookup(kb_fs *fs, const char *path, kb_file_meta *meta, kb_error *err);

/* Opens a regular file for random-access reads. */
kb_status kb_fs_file_open(kb_fs *fs, const char *path, kb_fs_file **out, kb_error *err);
const kb_file_meta *kb_fs_file_meta(const kb_fs_file *file);
/* Reads up to len bytes at off into buf; *got receives the count (0 at or past the end). */
kb_status kb_fs_file_read_at(kb_fs_file *file, uint64_t off, void *buf, size_t len,
                             size_t *got, kb_error *err);
void kb_fs_file_close(kb_fs_file *file);

/*
 * Reads the whole file at `path` into a new buffer (the caller frees *data with free()).
 * Files larger than `cap` bytes are refused with KB_ERR_LIMIT before anything is allocated.
 * meta and sha256 (hex of the bytes read) may be NULL.
 */
kb_status kb_fs_read_file(kb_fs *fs, const char *path, size_t cap, uint8_t **data, size_t *len,
                          kb_file_meta *meta, char sha256[KB_SHA256_HEX_SIZE], kb_error *err);

/*
 * Calls cb once per entry of the directory at `path` (not recursive; "." and ".." and DOS
 * 8.3 duplicates left out). cb returns 0 to go on, non-zero to stop early. At most
 * KB_MAX_DIR_ENTRIES entries, past that KB_ERR_LIMIT.
 */
typedef int (*kb_fs_dir_cb)(void *ctx, const char *name, const kb_file_meta *meta);
kb_status kb_fs_list_dir(kb_fs *fs, const char *path, kb_fs_dir_cb cb, void *ctx, kb_error *err);

/*
 * Finds the Windows installations of the volume: directories in the root that hold a
 * system32\config directory (whether or not the SOFTWARE hive is in it: the caller turns a
 * missing hive into an "unknown" verdict). Writes their paths as spelled on disk
 * ("\WINDOWS") to dirs, up to `max` of them, and their number to *count (which may exceed
 * max). More than KB_MAX_WINDOWS_INSTALLS is KB_ERR_LIMIT.
 */
kb_status kb_fs_find_windows(kb_fs *fs, char (*dirs)[KB_MAX_PATH_BYTES], size_t max,
                             size_t *count, kb_error *err);

/*
 * Names the file system libtsk recognises on `partition` ("ntfs", "fat32", "ext4", ...) in
 * name, or returns KB_ERR_NOT_FOUND when none is recognised (random bytes, a wiped volume).
 * Lets the caller tell "a volume that is not Windows" from "nothing readable at all".
 */
kb_status kb_fs_probe_type(const kb_volumes *volumes, const kb_partition *partition, char *name,
                           size_t name_size, kb_error *err);

#endif
