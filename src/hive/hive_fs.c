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
