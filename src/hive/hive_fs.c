/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hive_fs.c - the hive layer's integration points with the fs layer:
 *   - kb_hive_open: a kb_hive_source over a kb_fs_file, so libregf reads the hive in place
 *     (each libbfio read becomes one or more kb_fs_file_read_at calls; no copy is made);
 *   - kb_hive_update_set_add_windows_dir: the %windir%\$NtUninstall<id>$ folder scan;
 *   - kb_hive_updates_list: registry records + folders.
 * Kept apart from hive.c and updates.c so that their unit tests link without kb_fs.
 */
#include "hive/hive_internal.h"

#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static kb_status file_read_at(void *ctx, uint64_t off, void *buf, size_t len, size_t *got,
                              kb_error *err)
{
    return kb_fs_file_read_at(ctx, off, buf, len, got, err);
}

/* A hive copied into memory (see kb_hive_open): the source owns the buffer. */
typedef struct hive_copy {
    uint8_t *data;
    size_t size;
} hive_copy;

static kb_status copy_read_at(void *ctx, uint64_t off, void *buf, size_t len, size_t *got,
                              kb_error *err)
{
    const hive_copy *copy = ctx;

    (void)err;
    *got = 0;
    if (off >= copy->size)
        return KB_OK;
    if (len > copy->size - off)
        len = copy->size - (size_t)off;
    memcpy(buf, copy->data + off, len);
    *got = len;
    return KB_OK;
}

/*
 * hbin coalescing on the in-memory copy. libregf finds the hbin of every cell it reads by a
 * search through its list of hbins and keeps recently used hbins in a small cache; a real
 * SOFTWARE hive is made of 4 KiB hbins (12,900 in the 50 MiB benchmark hive), so both cost
 * per cell access (perf: ~28% of a scan's cycles, docs/performance.md). Runs of up to
 * MERGE_BYTES of consecutive hbins are turned into one hbin: the first header's size
 * covers the run and each later 32-byte header becomes a free cell of 32 bytes. Every cell
 * keeps its offset, size and contents, so every key, value and list reads as before
 * (regfexport of a hive merged this way prints the same text).
 *
 * Only well-formed hbins are merged: signature, offset field equal to the hbin's position,
 * size a multiple of 4 KiB, and cells (sizes multiples of 8) tiling it exactly. The first
 * hbin that is not so ends the merging; from there the copy is left as it is, for libregf
 * and the index-root check to judge as before. 64 KiB of cells is at most 8,192 cells,
 * within libregf's 16-bit cell index per hbin.
 *
 * Layout (regf notes): hbin header "hbin" +0, offset from the first hbin +4, size +8, 32
 * bytes; cells follow, each an int32 size (negative when allocated) and data.
 */
#define HBIN_FIRST 0x1000u
#define HBIN_HEADER 32u
#define HBIN_UNIT 4096u
#define MERGE_BYTES (64u * 1024u)

static uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Whether the hbin at data[0..size) is well formed and its cells tile it exactly. */
static bool hbin_tiles(const uint8_t *data, size_t size, size_t pos, uint32_t *bin_size)
{
    uint32_t offset, bsize;
    size_t cell;

    if (size - pos < HBIN_HEADER || memcmp(data + pos, "hbin", 4) != 0)
        return false;
    offset = le32_at(data + pos + 4);
    bsize = le32_at(data + pos + 8);
    if (offset != pos - HBIN_FIRST || bsize < HBIN_UNIT || bsize % HBIN_UNIT != 0 ||
        bsize > size - pos)
        return false;
    /* each cell advances by at least 8 bytes: the walk ends */
    for (cell = pos + HBIN_HEADER; cell < pos + bsize;) {
        uint32_t raw, cell_size;

        if (pos + bsize - cell < 8)
            return false;
        raw = le32_at(data + cell);
        cell_size = (raw & 0x80000000u) != 0 ? ~raw + 1u : raw;
        if (cell_size < 8 || cell_size % 8 != 0 || cell_size > pos + bsize - cell)
            return false;
        cell += cell_size;
    }
    *bin_size = bsize;
    return true;
}

static void merge_hbins(uint8_t *data, size_t size)
{
    size_t later[MERGE_BYTES / HBIN_UNIT]; /* headers after the first one of a run */
    size_t pos = HBIN_FIRST;

    while (pos < size) {
        size_t start = pos, total = 0, count = 0, i;
        uint32_t bsize = 0;
        bool stopped = false;

        while (pos < size) {
            if (!hbin_tiles(data, size, pos, &bsize)) {
                stopped = true;
                break;
            }
            if (total > 0 && bsize > MERGE_BYTES - total)
                break;
            if (total > 0)
                later[count++] = pos;
            total += bsize;
            pos += bsize;
            if (total >= MERGE_BYTES)
                break;
        }
        if (total == 0)
            return;
        for (i = 0; i < count; i++) {
            memset(data + later[i], 0, HBIN_HEADER);
            data[later[i]] = HBIN_HEADER; /* a free cell of 32 bytes (int32, little-endian) */
        }
        data[start + 8] = (uint8_t)(total & 0xFF);
        data[start + 9] = (uint8_t)(total >> 8 & 0xFF);
        data[start + 10] = (uint8_t)(total >> 16 & 0xFF);
        data[start + 11] = (uint8_t)(total >> 24 & 0xFF);
        if (stopped)
            return;
    }
}

static void copy_release(void *ctx)
{
    hive_copy *copy = ctx;

    free(copy->data);
    free(copy);
}

static void file_release(void *ctx)
{
    kb_fs_file_close(ctx);
}

kb_status kb_hive_open(kb_fs *fs, const char *path, kb_hive **out, kb_error *err)
{
    kb_fs_file *file = NULL;
    const kb_file_meta *meta;
    kb_hive_source source;
    kb_status status;

    if (out != NULL)
        *out = NULL;
    if (fs == NULL || path == NULL || out == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "opening hive: invalid argument");
    status = kb_fs_file_open(fs, path, &file, err);
    if (status != KB_OK) {
        kb_error_prefix(err, "opening hive %s", path);
        return status;
    }
    meta = kb_fs_file_meta(file);
    if (meta == NULL || meta->is_directory) {
        kb_fs_file_close(file);
        return kb_error_set(err, KB_ERR_CORRUPT, "opening hive: %s is not a regular file",
                            path);
    }
    /*
     * Hives up to KB_MAX_HIVE_COPY_BYTES are read whole, in large reads, and parsed from
     * memory. In place, the hive was read about twice over in small reads: the index-root
     * check (hive.c) walks every cell header once, and libregf's open reads the header of
     * every hbin (one per 4 KiB on a real hive), each through libtsk's 64 KiB cache lines.
     * Measured on a 37 MiB SOFTWARE hive: docs/performance.md.
     */
    if (meta->size <= KB_MAX_HIVE_COPY_BYTES) {
        hive_copy *copy = calloc(1, sizeof(*copy));
        uint64_t size = meta->size;
        size_t done = 0, got = 0;

        if (copy != NULL)
            copy->data = malloc(size > 0 ? (size_t)size : 1);
        if (copy == NULL || copy->data == NULL) {
            kb_fs_file_close(file);
            if (copy != NULL)
                free(copy);
            return kb_error_set(err, KB_ERR_NOMEM, "opening hive %s: out of memory for "
                                "%llu bytes", path, (unsigned long long)size);
        }
        copy->size = (size_t)size;
        while (done < copy->size) {
            status = kb_fs_file_read_at(file, done, copy->data + done, copy->size - done,
                                        &got, err);
            if (status == KB_OK && got == 0)
                status = kb_error_set(err, KB_ERR_IO, "read stopped at offset %zu of %zu",
                                      done, copy->size);
            if (status != KB_OK) {
                kb_fs_file_close(file);
                copy_release(copy);
                kb_error_prefix(err, "opening hive %s", path);
                return status;
            }
            done += got;
        }
        kb_fs_file_close(file);
        merge_hbins(copy->data, copy->size);
        source.ctx = copy;
        source.size = copy->size;
        source.read_at = copy_read_at;
        source.release = copy_release;
        return kb_hive_open_source(&source, path, out, err);
    }
    source.ctx = file;
    source.size = meta->size;
    source.read_at = file_read_at;
    source.release = file_release;
    /* Owns the file from here, in success and failure alike. */
    return kb_hive_open_source(&source, path, out, err);
}

kb_status kb_hive_log_find(kb_fs *fs, const char *hive_path, bool *present, uint64_t *size,
                           kb_error *err)
{
    char path[KB_MAX_PATH_BYTES];
    const kb_file_meta *meta;
    kb_fs_file *file = NULL;
    kb_status status;

    if (fs == NULL || hive_path == NULL || present == NULL || size == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "looking for hive log: invalid argument");
    *present = false;
    *size = 0;
    if ((size_t)snprintf(path, sizeof(path), "%s.LOG", hive_path) >= sizeof(path))
        return kb_error_set(err, KB_ERR_LIMIT, "looking for hive log: %s: path too long",
                            hive_path);
    status = kb_fs_file_open(fs, path, &file, err);
    if (status == KB_ERR_NOT_FOUND) {
        kb_error_clear(err);
        return KB_OK;
    }
    if (status != KB_OK)
        return status;
    meta = kb_fs_file_meta(file);
    if (meta != NULL && !meta->is_directory) {
        *present = true;
        *size = meta->size;
    }
    kb_fs_file_close(file);
    return KB_OK;
}

typedef struct folder_scan {
    kb_hive_update_set *set;
    const char *windows_dir;
    kb_status status;
    kb_error *err;
} folder_scan;

static int folder_entry(void *ctx, const char *name, const kb_file_meta *meta)
{
    folder_scan *scan = ctx;

    /* $NtUninstall<id>$ is the backup folder the update installer leaves; a file with that
     * name is not one. */
    if (meta != NULL && !meta->is_directory)
        return 0;
    scan->status = kb_hive_update_set_add_folder(scan->set, scan->windows_dir, name, NULL,
                                                 scan->err);
    return scan->status != KB_OK;
}

kb_status kb_hive_update_set_add_windows_dir(kb_hive_update_set *set, kb_fs *fs,
                                             const char *windows_dir, kb_error *err)
{
    folder_scan scan;
    kb_status status;

    if (set == NULL || fs == NULL || windows_dir == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "scanning update folders: invalid argument");
    scan.set = set;
    scan.windows_dir = windows_dir;
    scan.status = KB_OK;
    scan.err = err;
    status = kb_fs_list_dir(fs, windows_dir, folder_entry, &scan, err);
    if (status == KB_OK)
        status = scan.status;
    if (status == KB_ERR_NOT_FOUND) {
        kb_error_clear(err);
        return KB_OK;
    }
    if (status != KB_OK)
        kb_error_prefix(err, "scanning %s for $NtUninstall folders", windows_dir);
    return status;
}

kb_status kb_hive_updates_list(kb_hive *software, kb_fs *fs, const char *windows_dir,
                               kb_hive_update **out, size_t *count, kb_error *err)
{
    kb_hive_update_set *set = NULL;
    kb_status status;

    if (out != NULL)
        *out = NULL;
    if (count != NULL)
        *count = 0;
    if (out == NULL || count == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "listing updates: invalid argument");
    status = kb_hive_update_set_new(&set, err);
    if (status != KB_OK)
        goto out;
    if (software != NULL) {
        status = kb_hive_update_set_add_registry(set, software, err);
        if (status != KB_OK)
            goto out;
    }
    if (fs != NULL && windows_dir != NULL) {
        status = kb_hive_update_set_add_windows_dir(set, fs, windows_dir, err);
        if (status != KB_OK)
            goto out;
    }
    status = kb_hive_update_set_finish(set, out, count, err);
    set = NULL;
out:
    kb_hive_update_set_free(set);
    return status;
}
