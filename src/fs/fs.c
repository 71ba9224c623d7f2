/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fs.c - NTFS through libtsk's fs layer, with path lookups done by descending each
 * directory's $I30 B-tree ourselves.
 *
 * Why not tsk_fs_dir_open_meta() for lookups: libtsk loads every entry of the directory and
 * the metadata of each, and on NTFS its first directory open also builds a map of every MFT
 * entry's parent (a walk of the whole MFT) to find deleted children. A lookup of
 * \WINDOWS\system32\inetsrv\w3core.dll instead reads the $INDEX_ROOT of each directory on the
 * way and only the index blocks on the one path from the root of its B-tree to the name:
 * a few blocks per component, whatever the size of system32.
 *
 * libtsk still does what it does well: opening the volume, MFT entries with their attribute
 * lists, run lists, and reading (compressed, sparse) attribute contents. Listing one
 * directory (kb_fs_list_dir) walks its B-tree the same way (index_walk_all), never
 * tsk_fs_dir_open_meta(), whose first call on NTFS reads the whole MFT.
 */
#include "fs/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tsk/libtsk.h>

#include "fs/ntfs_index.h"
#include "util/tsk_error.h"
#include "util/span.h"
#include "util/text.h"

/* $INDEX_ROOT fields (ntfs_index.h) */
#define ROOT_INDEXED_TYPE 0x00u
#define ROOT_COLLATION 0x04u
#define ROOT_BLOCK_SIZE 0x08u
#define COLLATION_FILE_NAME 1u
/* INDX record: VCN of the block itself */
#define INDX_VCN 0x10u
/* $FILE_NAME fields read from a file's own attributes */
#define FILE_NAME_PARENT 0x00u
/* MFT entry of $UpCase (fixed by the format) */
#define NTFS_UPCASE_ENTRY 10u

struct kb_fs {
    const kb_volumes *volumes;
    const kb_partition *partition;
    TSK_FS_INFO *tsk;
    uint16_t *upcase;          /* KB_NTFS_UPCASE_UNITS entries */
    bool upcase_from_volume;   /* false: $UpCase unreadable, ASCII fallback in use */
    uint8_t *block;            /* scratch for one index block */
};

struct kb_fs_file {
    kb_fs *fs;
    TSK_FS_FILE *file;
    const TSK_FS_ATTR *data;   /* the unnamed $DATA */
    kb_file_meta meta;
};

/* A path split into components, pointing into a private copy. */
typedef struct split_path {
    char buffer[KB_MAX_PATH_BYTES];
    const char *parts[KB_MAX_PATH_COMPONENTS];
    size_t count;
} split_path;

static kb_status tsk_failure(kb_status status, kb_error *err, const char *what, uint64_t inum)
{
    char message[KB_TSK_MESSAGE_MAX];

    kb_tsk_error_take(message, sizeof(message));
    return kb_error_set(err, status, "%s (mft entry %llu): %s", what, (unsigned long long)inum,
                        message);
}

/* The attribute of `type` named `name` (NULL: the unnamed one). */
static const TSK_FS_ATTR *find_attr(TSK_FS_FILE *file, TSK_FS_ATTR_TYPE_ENUM type,
                                    const char *name)
{
    int count = tsk_fs_file_attr_getsize(file);
    int i;

    if (count < 0) {
        tsk_error_reset();
        return NULL;
    }
    for (i = 0; i < count; i++) {
        const TSK_FS_ATTR *attr = tsk_fs_file_attr_get_idx(file, i);

        if (attr == NULL) {
            tsk_error_reset();
            continue;
        }
        if (attr->type != type)
            continue;
        if (name == NULL ? (attr->name == NULL || attr->name[0] == '\0')
                         : (attr->name != NULL && strcmp(attr->name, name) == 0))
            return attr;
    }
    return NULL;
}

static bool is_directory(const TSK_FS_FILE *file)
{
    return file->meta != NULL && file->meta->type == TSK_FS_META_TYPE_DIR;
}

static kb_status open_entry(kb_fs *fs, uint64_t inum, TSK_FS_FILE **out, kb_error *err)
{
    TSK_FS_FILE *file;

    *out = NULL;
    if (inum < fs->tsk->first_inum || inum >= fs->tsk->last_inum)
        return kb_error_set(err, KB_ERR_CORRUPT, "mft entry %llu out of range",
                            (unsigned long long)inum);
    file = tsk_fs_file_open_meta(fs->tsk, NULL, (TSK_INUM_T)inum);
    if (file == NULL)
        return tsk_failure(KB_ERR_CORRUPT, err, "cannot read file record", inum);
    if (file->meta == NULL) {
        tsk_fs_file_close(file);
        return kb_error_set(err, KB_ERR_CORRUPT, "mft entry %llu has no metadata",
                            (unsigned long long)inum);
    }
    *out = file;
    return KB_OK;
}

static void fill_meta(const TSK_FS_FILE *file, const TSK_FS_ATTR *data, kb_file_meta *meta)
{
    const TSK_FS_META *m = file->meta;

    meta->mft_entry = m->addr;
    meta->sequence = (uint16_t)m->seq;
    meta->is_directory = is_directory(file);
    meta->size = data != NULL && data->size > 0 ? (uint64_t)data->size : 0;
    /* libtsk fills the generic times of an NTFS file from $STANDARD_INFORMATION (the
     * $FILE_NAME ones are in time2.ntfs). */
    meta->created = (int64_t)m->crtime;
    meta->modified = (int64_t)m->mtime;
    meta->mft_modified = (int64_t)m->ctime;
    meta->accessed = (int64_t)m->atime;
}

static kb_status read_attr_exact(const TSK_FS_ATTR *attr, uint64_t off, uint8_t *buf,
                                 size_t len, kb_error *err)
{
    ssize_t got;

    got = tsk_fs_attr_read(attr, (TSK_OFF_T)off, (char *)buf, len, TSK_FS_FILE_READ_FLAG_NONE);
    if (got < 0 || (size_t)got != len) {
        char message[KB_TSK_MESSAGE_MAX];

        if (got < 0)
            kb_tsk_error_take(message, sizeof(message));
        else
            kb_strlcpy(message, "short read", sizeof(message));
        return kb_error_set(err, KB_ERR_IO, "read of %zu bytes at offset 0x%llx failed: %s",
                            len, (unsigned long long)off, message);
    }
    return KB_OK;
}

/* $UpCase (MFT entry 10, 128 KiB) read once per volume. An unreadable one leaves the ASCII
 * fallback: lookups of ASCII names still work, the volume is not refused over it. */
static kb_status load_upcase(kb_fs *fs)
{
    uint8_t *raw = NULL;
    TSK_FS_FILE *file = NULL;
    const TSK_FS_ATTR *data;
    kb_status status;
    size_t i;

    fs->upcase = malloc(KB_NTFS_UPCASE_UNITS * sizeof(uint16_t));
    if (fs->upcase == NULL)
        return KB_ERR_NOMEM;
    kb_ntfs_upcase_fallback(fs->upcase);
    raw = malloc(KB_NTFS_UPCASE_UNITS * 2);
    if (raw == NULL)
        return KB_ERR_NOMEM;
    if (open_entry(fs, NTFS_UPCASE_ENTRY, &file, NULL) != KB_OK)
        goto out;
    data = find_attr(file, TSK_FS_ATTR_TYPE_NTFS_DATA, NULL);
    if (data == NULL || data->size != (TSK_OFF_T)(KB_NTFS_UPCASE_UNITS * 2))
        goto out;
    status = read_attr_exact(data, 0, raw, KB_NTFS_UPCASE_UNITS * 2, NULL);
    if (status != KB_OK)
        goto out;
    for (i = 0; i < KB_NTFS_UPCASE_UNITS; i++)
        fs->upcase[i] = (uint16_t)(raw[2 * i] | raw[2 * i + 1] << 8);
    fs->upcase_from_volume = true;
out:
    tsk_error_reset();
    if (file != NULL)
        tsk_fs_file_close(file);
    free(raw);
    return KB_OK;
}

kb_status kb_fs_open(const kb_volumes *volumes, const kb_partition *partition, kb_fs **out,
                     kb_error *err)
{
    char message[KB_TSK_MESSAGE_MAX];
    kb_fs *fs = NULL;
    kb_status status = KB_OK;
    TSK_IMG_INFO *img;

    if (out != NULL)
        *out = NULL;
    if (volumes == NULL || partition == NULL || out == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "opening file system: invalid argument");
    if (partition->beyond_image) {
        status = kb_error_set(err, KB_ERR_CORRUPT,
                              "the partition table places it outside the image (offset "
                              "0x%llx, %llu bytes)",
                              (unsigned long long)partition->offset,
                              (unsigned long long)partition->length);
        goto out;
    }
    if (!partition->ntfs) {
        status = kb_error_set(err, KB_ERR_UNSUPPORTED, "not an NTFS file system (%s)",
                              partition->description);
        goto out;
    }
    fs = calloc(1, sizeof(*fs));
    if (fs == NULL) {
        status = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        goto out;
    }
    fs->volumes = volumes;
    fs->partition = partition;
    img = kb_volumes_tsk_handle(volumes);
    fs->tsk = tsk_fs_open_img(img, (TSK_OFF_T)partition->offset, TSK_FS_TYPE_NTFS);
    if (fs->tsk == NULL) {
        kb_tsk_error_take(message, sizeof(message));
        status = kb_error_set(err, KB_ERR_CORRUPT, "cannot open NTFS: %s", message);
        goto out;
    }
    fs->block = malloc(KB_MAX_INDEX_BLOCK_BYTES);
    if (fs->block == NULL || load_upcase(fs) != KB_OK) {
        status = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        goto out;
    }
    *out = fs;
    fs = NULL;
out:
    if (status != KB_OK)
        kb_error_prefix(err, "%s: partition %u", kb_volumes_image_path(volumes),
                        partition != NULL ? partition->index : 0);
    kb_fs_close(fs);
    return status;
}

/*
 * The foreign file systems kbprobe recognises by name. Not TSK_FS_TYPE_DETECT: that also
 * runs libtsk's YAFFS2 and other flash/legacy probes, and libtsk 4.11.1's yaffs2_open
 * crashes on random bytes (seen on the random-bytes fixture). These mainstream readers check
 * their superblock magic first.
 */
static const TSK_FS_TYPE_ENUM probed_types[] = {
    TSK_FS_TYPE_FAT_DETECT, TSK_FS_TYPE_EXT_DETECT, TSK_FS_TYPE_HFS_DETECT,
    TSK_FS_TYPE_ISO9660_DETECT,
};

kb_status kb_fs_probe_type(const kb_volumes *volumes, const kb_partition *partition, char *name,
                           size_t name_size, kb_error *err)
{
    char message[KB_TSK_MESSAGE_MAX];
    TSK_FS_INFO *tsk = NULL;
    size_t i;

    if (volumes == NULL || partition == NULL || name == NULL || name_size == 0)
        return kb_error_set(err, KB_ERR_ARGUMENT, "probing file system: invalid argument");
    name[0] = '\0';
    if (partition->beyond_image)
        return kb_error_set(err, KB_ERR_NOT_FOUND, "%s: partition %u: outside the image",
                            kb_volumes_image_path(volumes), partition->index);
    if (partition->ntfs) {
        kb_strlcpy(name, "ntfs", name_size);
        return KB_OK;
    }
    for (i = 0; i < sizeof(probed_types) / sizeof(probed_types[0]) && tsk == NULL; i++) {
        tsk = tsk_fs_open_img(kb_volumes_tsk_handle(volumes), (TSK_OFF_T)partition->offset,
                              probed_types[i]);
        if (tsk == NULL)
            kb_tsk_error_take(message, sizeof(message));
    }
    if (tsk == NULL)
        return kb_error_set(err, KB_ERR_NOT_FOUND, "%s: partition %u: no file system recognised",
                            kb_volumes_image_path(volumes), partition->index);
    kb_strlcpy(name, tsk_fs_type_toname(tsk->ftype), name_size);
    tsk_fs_close(tsk);
    return KB_OK;
}

void kb_fs_close(kb_fs *fs)
{
    if (fs == NULL)
        return;
    if (fs->tsk != NULL)
        tsk_fs_close(fs->tsk);
    free(fs->upcase);
    free(fs->block);
    free(fs);
}

const kb_partition *kb_fs_partition(const kb_fs *fs)
{
    return fs != NULL ? fs->partition : NULL;
}

const char *kb_fs_image_path(const kb_fs *fs)
{
    return fs != NULL ? kb_volumes_image_path(fs->volumes) : "";
}

/* ---- path handling ---- */

static kb_status split(const char *path, split_path *out, kb_error *err)
{
    size_t len = strlen(path);
    char *p;

    out->count = 0;
    if (len >= sizeof(out->buffer))
        return kb_error_set(err, KB_ERR_LIMIT, "path longer than %d bytes (KB_MAX_PATH_BYTES)",
                            KB_MAX_PATH_BYTES);
    memcpy(out->buffer, path, len + 1);
    p = out->buffer;
    while (*p != '\0') {
        char *start;

        while (*p == '\\' || *p == '/')
            *p++ = '\0';
        if (*p == '\0')
            break;
        start = p;
        while (*p != '\0' && *p != '\\' && *p != '/')
            p++;
        if (*p != '\0')
            *p++ = '\0';
        if (strchr(start, ':') != NULL)
            return kb_error_set(err, KB_ERR_ARGUMENT,
                                "%s: drive letters and stream names are not accepted", path);
        if (strcmp(start, ".") == 0 || strcmp(start, "..") == 0)
            return kb_error_set(err, KB_ERR_ARGUMENT, "%s: \".\" and \"..\" are not accepted",
                                path);
        if (out->count == KB_MAX_PATH_COMPONENTS)
            return kb_error_set(err, KB_ERR_LIMIT,
                                "%s: more than %d components (KB_MAX_PATH_COMPONENTS)", path,
                                KB_MAX_PATH_COMPONENTS);
        out->parts[out->count++] = start;
    }
    return KB_OK;
}

/* Appends "\name" to a '\'-separated path. */
static kb_status path_append(char *path, const char *name, kb_error *err)
{
    size_t used = strlen(path);
    size_t name_len = strlen(name);
    bool root = used == 1 && path[0] == '\\';
    size_t need = (root ? 0 : 1) + name_len;

    if (need >= KB_MAX_PATH_BYTES - used)
        return kb_error_set(err, KB_ERR_LIMIT, "path longer than %d bytes (KB_MAX_PATH_BYTES)",
                            KB_MAX_PATH_BYTES);
    if (!root)
        path[used++] = '\\';
    memcpy(path + used, name, name_len + 1);
    return KB_OK;
}

/* ---- the $I30 descent ---- */

/*
 * Finds `name` in the $I30 index of directory `dir`: the root node, then one child block per
 * level. Sets hit->result to KB_NTFS_FOUND or KB_NTFS_ABSENT.
 */
/* Reads and checks a directory's $INDEX_ROOT ($I30): *bytes (caller frees) and the size of
 * its index blocks. */
static kb_status load_index_root(TSK_FS_FILE *dir, uint8_t **bytes, size_t *size,
                                 uint32_t *block_size, kb_error *err)
{
    const TSK_FS_ATTR *root;
    uint32_t indexed_type, collation;
    kb_span span;
    kb_status status;

    *bytes = NULL;
    root = find_attr(dir, TSK_FS_ATTR_TYPE_NTFS_IDXROOT, "$I30");
    if (root == NULL)
        return kb_error_set(err, KB_ERR_CORRUPT, "directory has no $I30 index root");
    if (root->size < (TSK_OFF_T)(KB_NTFS_INDEX_ROOT_HEADER + 0x10) ||
        root->size > (TSK_OFF_T)KB_MAX_INDEX_ROOT_BYTES)
        return kb_error_set(err, KB_ERR_CORRUPT, "index root of %lld bytes",
                            (long long)root->size);
    *size = (size_t)root->size;
    *bytes = malloc(*size);
    if (*bytes == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory for an index root");
    status = read_attr_exact(root, 0, *bytes, *size, err);
    if (status != KB_OK)
        goto out;
    span = kb_span_make(*bytes, *size);
    kb_span_le32(&span, ROOT_INDEXED_TYPE, &indexed_type);
    kb_span_le32(&span, ROOT_COLLATION, &collation);
    kb_span_le32(&span, ROOT_BLOCK_SIZE, block_size);
    if (indexed_type != TSK_FS_ATTR_TYPE_NTFS_FNAME || collation != COLLATION_FILE_NAME) {
        status = kb_error_set(err, KB_ERR_CORRUPT, "$I30 index of type 0x%x, collation %u",
                              indexed_type, collation);
        goto out;
    }
    if (*block_size < KB_NTFS_SECTOR || *block_size > KB_MAX_INDEX_BLOCK_BYTES ||
        (*block_size & (*block_size - 1)) != 0)
        status = kb_error_set(err, KB_ERR_CORRUPT, "index block size %u invalid", *block_size);
out:
    if (status != KB_OK) {
        free(*bytes);
        *bytes = NULL;
    }
    return status;
}

/* Reads the index block at `vcn` into block (block_size bytes), applies its fixups and
 * checks that it says it is that block. *alloc is looked up on first use. */
static kb_status load_index_block(kb_fs *fs, TSK_FS_FILE *dir, const TSK_FS_ATTR **alloc,
                                  uint64_t vcn, uint8_t *block, uint32_t block_size,
                                  kb_error *err)
{
    uint64_t cluster = fs->tsk->block_size;
    uint64_t vcn_unit, off, record_vcn;
    kb_span span;
    kb_status status;

    if (*alloc == NULL) {
        *alloc = find_attr(dir, TSK_FS_ATTR_TYPE_NTFS_IDXALLOC, "$I30");
        if (*alloc == NULL || (*alloc)->size <= 0)
            return kb_error_set(err, KB_ERR_CORRUPT,
                                "index points to vcn %llu but the directory has no $I30 "
                                "index allocation", (unsigned long long)vcn);
    }
    /* VCNs count clusters, or 512-byte units when an index block is smaller than a cluster
     * (as ntfs-3g's index.c reads them). */
    vcn_unit = cluster != 0 && block_size >= cluster ? cluster : KB_NTFS_SECTOR;
    if (vcn > UINT64_MAX / vcn_unit || (off = vcn * vcn_unit) > (uint64_t)(*alloc)->size ||
        block_size > (uint64_t)(*alloc)->size - off)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "index vcn %llu outside the index allocation (%lld bytes)",
                            (unsigned long long)vcn, (long long)(*alloc)->size);
    status = read_attr_exact(*alloc, off, block, block_size, err);
    if (status == KB_OK)
        status = kb_ntfs_index_fixup(block, block_size, err);
    if (status == KB_OK) {
        span = kb_span_make(block, block_size);
        kb_span_le64(&span, INDX_VCN, &record_vcn);
        if (record_vcn != vcn)
            status = kb_error_set(err, KB_ERR_CORRUPT, "index record says vcn %llu",
                                  (unsigned long long)record_vcn);
    }
    if (status != KB_OK)
        kb_error_prefix(err, "index block at vcn %llu", (unsigned long long)vcn);
    return status;
}

/*
 * Finds `name` in the $I30 index of directory `dir`: the root node, then one child block per
 * level. Sets hit->result to KB_NTFS_FOUND or KB_NTFS_ABSENT.
 */
static kb_status index_find(kb_fs *fs, TSK_FS_FILE *dir, const uint16_t *name,
                            size_t name_units, kb_ntfs_hit *hit, kb_error *err)
{
    uint64_t visited[KB_MAX_INDEX_DEPTH];
    const TSK_FS_ATTR *alloc = NULL;
    uint8_t *root_bytes = NULL;
    uint32_t block_size = 0;
    size_t root_size = 0, depth = 0, i;
    kb_status status;

    status = load_index_root(dir, &root_bytes, &root_size, &block_size, err);
    if (status != KB_OK)
        goto out;
    status = kb_ntfs_index_node_search(root_bytes, root_size, KB_NTFS_INDEX_ROOT_HEADER,
                                       fs->upcase, name, name_units, hit, err);
    if (status != KB_OK) {
        kb_error_prefix(err, "index root");
        goto out;
    }
    while (hit->result == KB_NTFS_DESCEND) {
        uint64_t vcn = hit->child_vcn;

        if (depth == KB_MAX_INDEX_DEPTH) {
            status = kb_error_set(err, KB_ERR_LIMIT, "index deeper than %d levels "
                                  "(KB_MAX_INDEX_DEPTH)", KB_MAX_INDEX_DEPTH);
            goto out;
        }
        for (i = 0; i < depth; i++) {
            if (visited[i] == vcn) {
                status = kb_error_set(err, KB_ERR_CORRUPT,
                                      "index loop: block at vcn %llu visited twice",
                                      (unsigned long long)vcn);
                goto out;
            }
        }
        visited[depth++] = vcn;
        status = load_index_block(fs, dir, &alloc, vcn, fs->block, block_size, err);
        if (status != KB_OK)
            goto out;
        status = kb_ntfs_index_node_search(fs->block, block_size, KB_NTFS_INDX_HEADER,
                                           fs->upcase, name, name_units, hit, err);
        if (status != KB_OK) {
            kb_error_prefix(err, "index block at vcn %llu", (unsigned long long)vcn);
            goto out;
        }
    }
out:
    free(root_bytes);
    return status;
}

/*
 * Every entry of a directory's $I30 B-tree, in name (collation) order: an in-order descent,
 * each entry's sub-node (the names sorting before it) first, then the entry. Used by
 * kb_fs_find_windows and kb_fs_list_dir, which must not pay for libtsk's directory listing:
 * on NTFS, libtsk's first tsk_fs_dir_open_meta() walks the whole MFT (to find deleted
 * children), which on a 100,000-file volume is 100 MiB of reads for a 200-entry inetsrv.
 *
 * Guards: one block buffer per level, at most KB_MAX_INDEX_DEPTH levels; a bitmap of the
 * blocks visited (a block reached twice is a loop: KB_ERR_CORRUPT); at most
 * KB_MAX_INDEX_WALK_BLOCKS blocks in the index allocation.
 */
typedef struct index_walk {
    kb_fs *fs;
    TSK_FS_FILE *dir;
    const TSK_FS_ATTR *alloc;
    uint32_t block_size;
    uint8_t *blocks[KB_MAX_INDEX_DEPTH]; /* one per level below the root, made on first use */
    size_t depth;                        /* levels below the root being walked */
    uint8_t *visited;                    /* one bit per vcn unit of the allocation */
    uint64_t visited_bits;
    kb_ntfs_entry_cb cb;
    void *ctx;
    int stopped;      /* cb asked to stop */
    kb_status status; /* first failure below the root */
    kb_error *err;
} index_walk;

static int walk_entry(void *ctx, const kb_ntfs_hit *entry);

/* Loads the block at vcn into the next level's buffer and walks its entries. */
static kb_status walk_child(index_walk *walk, uint64_t vcn)
{
    uint64_t cluster = walk->fs->tsk->block_size, unit;
    uint8_t *block;
    kb_status status;

    if (walk->depth == KB_MAX_INDEX_DEPTH)
        return kb_error_set(walk->err, KB_ERR_LIMIT, "index deeper than %d levels "
                            "(KB_MAX_INDEX_DEPTH)", KB_MAX_INDEX_DEPTH);
    if (walk->blocks[walk->depth] == NULL) {
        walk->blocks[walk->depth] = malloc(walk->block_size);
        if (walk->blocks[walk->depth] == NULL)
            return kb_error_set(walk->err, KB_ERR_NOMEM, "out of memory for an index block");
    }
    block = walk->blocks[walk->depth];
    /* load_index_block checks vcn against the allocation and looks the allocation up */
    status = load_index_block(walk->fs, walk->dir, &walk->alloc, vcn, block, walk->block_size,
                              walk->err);
    if (status != KB_OK)
        return status;
    if (walk->visited == NULL) {
        unit = cluster != 0 && walk->block_size >= cluster ? cluster : KB_NTFS_SECTOR;
        if ((uint64_t)walk->alloc->size / walk->block_size > KB_MAX_INDEX_WALK_BLOCKS)
            return kb_error_set(walk->err, KB_ERR_LIMIT,
                                "index allocation of %lld bytes, more than %d blocks "
                                "(KB_MAX_INDEX_WALK_BLOCKS)", (long long)walk->alloc->size,
                                KB_MAX_INDEX_WALK_BLOCKS);
        walk->visited_bits = (uint64_t)walk->alloc->size / unit + 1;
        walk->visited = calloc((size_t)(walk->visited_bits / 8 + 1), 1);
        if (walk->visited == NULL)
            return kb_error_set(walk->err, KB_ERR_NOMEM, "out of memory");
    }
    /* load_index_block accepted vcn, so vcn * unit lies inside the allocation */
    if (vcn >= walk->visited_bits || (walk->visited[vcn / 8] & (1u << (vcn % 8))) != 0)
        return kb_error_set(walk->err, KB_ERR_CORRUPT,
                            "index loop: block at vcn %llu reached twice",
                            (unsigned long long)vcn);
    walk->visited[vcn / 8] |= (uint8_t)(1u << (vcn % 8));
    walk->depth++;
    status = kb_ntfs_index_node_entries(block, walk->block_size, KB_NTFS_INDX_HEADER,
                                        walk_entry, walk, walk->err);
    walk->depth--;
    if (status == KB_OK)
        status = walk->status;
    if (status != KB_OK && walk->status == KB_OK)
        kb_error_prefix(walk->err, "index block at vcn %llu", (unsigned long long)vcn);
    return status;
}

static int walk_entry(void *ctx, const kb_ntfs_hit *entry)
{
    index_walk *walk = ctx;

    if (entry->has_child) {
        kb_status status = walk_child(walk, entry->child_vcn);

        if (status != KB_OK) {
            if (walk->status == KB_OK)
                walk->status = status;
            return 1;
        }
        if (walk->stopped)
            return 1;
    }
    if (entry->result != KB_NTFS_FOUND)
        return 0;
    walk->stopped = walk->cb(walk->ctx, entry);
    return walk->stopped;
}

static kb_status index_walk_all(kb_fs *fs, TSK_FS_FILE *dir, kb_ntfs_entry_cb cb, void *ctx,
                                kb_error *err)
{
    uint8_t *root_bytes = NULL;
    size_t root_size = 0, i;
    index_walk *walk;
    kb_status status;

    /* Its own block buffers: the callback may look paths up, which reuse fs->block. */
    walk = calloc(1, sizeof(*walk));
    if (walk == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    walk->fs = fs;
    walk->dir = dir;
    walk->cb = cb;
    walk->ctx = ctx;
    walk->status = KB_OK;
    walk->err = err;
    status = load_index_root(dir, &root_bytes, &root_size, &walk->block_size, err);
    if (status == KB_OK)
        status = kb_ntfs_index_node_entries(root_bytes, root_size, KB_NTFS_INDEX_ROOT_HEADER,
                                            walk_entry, walk, err);
    if (status == KB_OK)
        status = walk->status;
    free(root_bytes);
    for (i = 0; i < KB_MAX_INDEX_DEPTH; i++)
        free(walk->blocks[i]);
    free(walk->visited);
    free(walk);
    return status;
}

/* The name of `file` in directory `parent` outside the DOS namespace (the long name a DOS
 * 8.3 name stands for), from the file's own $FILE_NAME attributes. */
static bool long_name(TSK_FS_FILE *file, uint64_t parent, char *out, size_t out_size)
{
    uint8_t raw[KB_NTFS_FILE_NAME_NAME + 2 * KB_NTFS_NAME_MAX];
    int count = tsk_fs_file_attr_getsize(file);
    int i, seen = 0;

    if (count < 0) {
        tsk_error_reset();
        return false;
    }
    for (i = 0; i < count && seen < KB_MAX_FILE_NAMES; i++) {
        const TSK_FS_ATTR *attr = tsk_fs_file_attr_get_idx(file, i);
        kb_span span;
        uint64_t parent_ref;
        uint8_t units, name_space;
        ssize_t got;

        if (attr == NULL || attr->type != TSK_FS_ATTR_TYPE_NTFS_FNAME)
            continue;
        seen++;
        memset(raw, 0, sizeof(raw));
        got = tsk_fs_attr_read(attr, 0, (char *)raw,
                               attr->size < (TSK_OFF_T)sizeof(raw) ? (size_t)attr->size
                                                                   : sizeof(raw),
                               TSK_FS_FILE_READ_FLAG_NONE);
        if (got < (ssize_t)KB_NTFS_FILE_NAME_NAME) {
            tsk_error_reset();
            continue;
        }
        span = kb_span_make(raw, (size_t)got);
        kb_span_le64(&span, FILE_NAME_PARENT, &parent_ref);
        units = raw[0x40];
        name_space = raw[0x41];
        if ((parent_ref & 0xFFFFFFFFFFFFull) != parent || name_space == KB_NTFS_NAMESPACE_DOS ||
            units == 0 || !kb_span_fits(&span, KB_NTFS_FILE_NAME_NAME, (size_t)units * 2))
            continue;
        kb_utf16le_to_utf8(raw + KB_NTFS_FILE_NAME_NAME, units, out, out_size);
        return true;
    }
    return false;
}

static void hit_name_utf8(const kb_ntfs_hit *hit, char *out, size_t out_size)
{
    uint8_t bytes[2 * KB_NTFS_NAME_MAX];
    size_t k;

    for (k = 0; k < hit->name_units; k++) {
        bytes[2 * k] = (uint8_t)(hit->name[k] & 0xFF);
        bytes[2 * k + 1] = (uint8_t)(hit->name[k] >> 8);
    }
    kb_utf16le_to_utf8(bytes, hit->name_units, out, out_size);
}

/*
 * Resolves path to its open file (the caller closes it) and meta. NOT_FOUND names the missing
 * component and the directory searched.
 */
static kb_status resolve(kb_fs *fs, const char *path, TSK_FS_FILE **out, kb_file_meta *meta,
                         kb_error *err)
{
    uint16_t name16[KB_NTFS_NAME_MAX];
    char spelled[4 * KB_NTFS_NAME_MAX + 1];
    kb_ntfs_hit *hit = NULL;
    split_path *parts = NULL;
    TSK_FS_FILE *file = NULL, *child = NULL;
    size_t units, i;
    kb_status status;

    *out = NULL;
    memset(meta, 0, sizeof(*meta));
    meta->path[0] = '\\';
    parts = malloc(sizeof(*parts));
    hit = malloc(sizeof(*hit));
    if (parts == NULL || hit == NULL) {
        status = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        goto out;
    }
    status = split(path, parts, err);
    if (status != KB_OK)
        goto out;
    status = open_entry(fs, fs->tsk->root_inum, &file, err);
    if (status != KB_OK)
        goto out;
    for (i = 0; i < parts->count; i++) {
        const char *component = parts->parts[i];

        if (!is_directory(file)) {
            status = kb_error_set(err, KB_ERR_NOT_FOUND, "%s: %s is not a directory", path,
                                  meta->path);
            goto out;
        }
        status = kb_ntfs_utf8_to_utf16(component, name16, KB_NTFS_NAME_MAX, &units, err);
        if (status != KB_OK) {
            kb_error_prefix(err, "%s", path);
            goto out;
        }
        status = index_find(fs, file, name16, units, hit, err);
        if (status != KB_OK) {
            kb_error_prefix(err, "%s: directory %s", path, meta->path);
            goto out;
        }
        if (hit->result != KB_NTFS_FOUND) {
            status = kb_error_set(err, KB_ERR_NOT_FOUND, "%s: not found (no \"%s\" in %s)",
                                  path, component, meta->path);
            goto out;
        }
        status = open_entry(fs, hit->mft_entry, &child, err);
        if (status != KB_OK) {
            kb_error_prefix(err, "%s: entry \"%s\" in %s", path, component, meta->path);
            goto out;
        }
        /* An index entry whose MFT record has been freed or reused is stale (a forged or
         * half-written index): not the file the name was given to. */
        if ((child->meta->flags & TSK_FS_META_FLAG_ALLOC) == 0 ||
            (hit->sequence != 0 && hit->sequence != (uint16_t)child->meta->seq)) {
            status = kb_error_set(err, KB_ERR_CORRUPT,
                                  "%s: stale index entry \"%s\" in %s (mft entry %llu, "
                                  "sequence %u, record sequence %u)",
                                  path, component, meta->path,
                                  (unsigned long long)hit->mft_entry, hit->sequence,
                                  (unsigned)(uint16_t)child->meta->seq);
            goto out;
        }
        /* Either the 8.3 name or the long name may have matched; the path keeps the long
         * one, as spelled on disk. */
        if (hit->name_space != KB_NTFS_NAMESPACE_DOS ||
            !long_name(child, file->meta->addr, spelled, sizeof(spelled)))
            hit_name_utf8(hit, spelled, sizeof(spelled));
        kb_sanitize_printable(spelled);
        status = path_append(meta->path, spelled, err);
        if (status != KB_OK)
            goto out;
        tsk_fs_file_close(file);
        file = child;
        child = NULL;
    }
    {
        char keep[KB_MAX_PATH_BYTES];

        memcpy(keep, meta->path, sizeof(keep));
        fill_meta(file, find_attr(file, TSK_FS_ATTR_TYPE_NTFS_DATA, NULL), meta);
        memcpy(meta->path, keep, sizeof(keep));
    }
    *out = file;
    file = NULL;
out:
    if (child != NULL)
        tsk_fs_file_close(child);
    if (file != NULL)
        tsk_fs_file_close(file);
    free(parts);
    free(hit);
    return status;
}

kb_status kb_fs_lookup(kb_fs *fs, const char *path, kb_file_meta *meta, kb_error *err)
{
    TSK_FS_FILE *file = NULL;
    kb_file_meta local;
    kb_status status;

    if (fs == NULL || path == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "looking up a path: invalid argument");
    status = resolve(fs, path, &file, meta != NULL ? meta : &local, err);
    if (file != NULL)
        tsk_fs_file_close(file);
    return status;
}

/* ---- reading files ---- */

kb_status kb_fs_file_open(kb_fs *fs, const char *path, kb_fs_file **out, kb_error *err)
{
    kb_fs_file *file = NULL;
    kb_status status;

    if (out != NULL)
        *out = NULL;
    if (fs == NULL || path == NULL || out == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "opening a file: invalid argument");
    file = calloc(1, sizeof(*file));
    if (file == NULL) {
        status = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        goto out;
    }
    file->fs = fs;
    status = resolve(fs, path, &file->file, &file->meta, err);
    if (status != KB_OK)
        goto out;
    if (file->meta.is_directory) {
        status = kb_error_set(err, KB_ERR_UNSUPPORTED, "%s is a directory", file->meta.path);
        goto out;
    }
    file->data = find_attr(file->file, TSK_FS_ATTR_TYPE_NTFS_DATA, NULL);
    if (file->data == NULL) {
        status = kb_error_set(err, KB_ERR_CORRUPT, "%s has no unnamed $DATA stream",
                              file->meta.path);
        goto out;
    }
    *out = file;
    file = NULL;
out:
    kb_fs_file_close(file);
    return status;
}

const kb_file_meta *kb_fs_file_meta(const kb_fs_file *file)
{
    return file != NULL ? &file->meta : NULL;
}

kb_status kb_fs_file_read_at(kb_fs_file *file, uint64_t off, void *buf, size_t len,
                             size_t *got, kb_error *err)
{
    char message[KB_TSK_MESSAGE_MAX];
    ssize_t n;

    if (got != NULL)
        *got = 0;
    if (file == NULL || got == NULL || (buf == NULL && len > 0))
        return kb_error_set(err, KB_ERR_ARGUMENT, "reading a file: invalid argument");
    if (off >= file->meta.size || len == 0)
        return KB_OK;
    if (len > file->meta.size - off)
        len = (size_t)(file->meta.size - off);
    n = tsk_fs_attr_read(file->data, (TSK_OFF_T)off, buf, len, TSK_FS_FILE_READ_FLAG_NONE);
    if (n <= 0) {
        if (n < 0)
            kb_tsk_error_take(message, sizeof(message));
        else
            kb_strlcpy(message, "no bytes returned", sizeof(message));
        return kb_error_set(err, KB_ERR_IO, "%s: read of %zu bytes at offset 0x%llx failed: %s",
                            file->meta.path, len, (unsigned long long)off, message);
    }
    *got = (size_t)n;
    return KB_OK;
}

void kb_fs_file_close(kb_fs_file *file)
{
    if (file == NULL)
        return;
    if (file->file != NULL)
        tsk_fs_file_close(file->file);
    free(file);
}

kb_status kb_fs_read_file(kb_fs *fs, const char *path, size_t cap, uint8_t **data, size_t *len,
                          kb_file_meta *meta, char sha256[KB_SHA256_HEX_SIZE], kb_error *err)
{
    kb_fs_file *file = NULL;
    uint8_t *bytes = NULL;
    size_t size, done = 0, got;
    kb_status status;

    if (data != NULL)
        *data = NULL;
    if (len != NULL)
        *len = 0;
    if (fs == NULL || path == NULL || data == NULL || len == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "reading a file: invalid argument");
    status = kb_fs_file_open(fs, path, &file, err);
    if (status != KB_OK)
        goto out;
    /* The size comes from the file record: check it before trusting it with memory. */
    if (file->meta.size > cap || file->meta.size > SIZE_MAX - 1) {
        status = kb_error_set(err, KB_ERR_LIMIT, "%s is %llu bytes, more than the %zu read "
                              "whole", file->meta.path, (unsigned long long)file->meta.size,
                              cap);
        goto out;
    }
    size = (size_t)file->meta.size;
    bytes = malloc(size > 0 ? size : 1);
    if (bytes == NULL) {
        status = kb_error_set(err, KB_ERR_NOMEM, "out of memory for %zu bytes of %s", size,
                              file->meta.path);
        goto out;
    }
    while (done < size) {
        status = kb_fs_file_read_at(file, done, bytes + done, size - done, &got, err);
        if (status != KB_OK)
            goto out;
        if (got == 0) {
            status = kb_error_set(err, KB_ERR_IO, "%s: read stopped at offset %zu of %zu",
                                  file->meta.path, done, size);
            goto out;
        }
        done += got;
    }
    if (sha256 != NULL) {
        status = kb_sha256_buffer(bytes, size, sha256);
        if (status != KB_OK) {
            kb_error_set(err, status, "%s: hashing failed", file->meta.path);
            goto out;
        }
    }
    if (meta != NULL)
        *meta = file->meta;
    *data = bytes;
    *len = size;
    bytes = NULL;
out:
    free(bytes);
    kb_fs_file_close(file);
    return status;
}

/* ---- listing one directory ---- */

typedef struct dir_listing {
    kb_fs *fs;
    const kb_file_meta *dir_meta;
    kb_file_meta entry_meta;
    char name[4 * KB_NTFS_NAME_MAX + 1];
    kb_fs_dir_cb cb;
    void *ctx;
    size_t listed;
    kb_status status;
    kb_error *err;
} dir_listing;

/*
 * One index entry of the listed directory: its MFT record is opened for the metadata (the
 * $FILE_NAME copy in the index has sizes and times "updated less reliably"). Left out: DOS
 * 8.3 twins of a long name, "." (the root indexes itself), and entries whose record is free,
 * reused (sequence mismatch) or unreadable - a stale index entry is not a file of the
 * directory, as in resolve().
 */
static int list_entry(void *ctx, const kb_ntfs_hit *entry)
{
    dir_listing *listing = ctx;
    TSK_FS_FILE *file = NULL;
    kb_status status;
    int stop;

    if (entry->name_space == KB_NTFS_NAMESPACE_DOS)
        return 0;
    hit_name_utf8(entry, listing->name, sizeof(listing->name));
    if (listing->name[0] == '\0' || strcmp(listing->name, ".") == 0 ||
        strcmp(listing->name, "..") == 0)
        return 0;
    if (open_entry(listing->fs, entry->mft_entry, &file, NULL) != KB_OK) {
        tsk_error_reset();
        return 0;
    }
    if ((file->meta->flags & TSK_FS_META_FLAG_ALLOC) == 0 ||
        (entry->sequence != 0 && entry->sequence != (uint16_t)file->meta->seq)) {
        tsk_fs_file_close(file);
        return 0;
    }
    if (listing->listed == KB_MAX_DIR_ENTRIES) {
        tsk_fs_file_close(file);
        listing->status = kb_error_set(listing->err, KB_ERR_LIMIT,
                                       "%s: more than %d entries (KB_MAX_DIR_ENTRIES)",
                                       listing->dir_meta->path, KB_MAX_DIR_ENTRIES);
        return 1;
    }
    listing->listed++;
    memset(&listing->entry_meta, 0, sizeof(listing->entry_meta));
    fill_meta(file, find_attr(file, TSK_FS_ATTR_TYPE_NTFS_DATA, NULL), &listing->entry_meta);
    tsk_fs_file_close(file);
    kb_strlcpy(listing->entry_meta.path, listing->dir_meta->path,
               sizeof(listing->entry_meta.path));
    status = path_append(listing->entry_meta.path, listing->name, listing->err);
    if (status != KB_OK) {
        listing->status = status;
        return 1;
    }
    kb_sanitize_printable(listing->entry_meta.path);
    stop = listing->cb(listing->ctx,
                       listing->entry_meta.path + strlen(listing->dir_meta->path) +
                           (strcmp(listing->dir_meta->path, "\\") == 0 ? 0 : 1),
                       &listing->entry_meta);
    return stop != 0;
}

kb_status kb_fs_list_dir(kb_fs *fs, const char *path, kb_fs_dir_cb cb, void *ctx, kb_error *err)
{
    TSK_FS_FILE *dir_file = NULL;
    kb_file_meta *dir_meta = NULL;
    dir_listing *listing = NULL;
    kb_status status;

    if (fs == NULL || path == NULL || cb == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "listing a directory: invalid argument");
    dir_meta = malloc(sizeof(*dir_meta));
    listing = calloc(1, sizeof(*listing));
    if (dir_meta == NULL || listing == NULL) {
        status = kb_error_set(err, KB_ERR_NOMEM, "out of memory");
        goto out;
    }
    status = resolve(fs, path, &dir_file, dir_meta, err);
    if (status != KB_OK)
        goto out;
    if (!dir_meta->is_directory) {
        status = kb_error_set(err, KB_ERR_NOT_FOUND, "%s is not a directory", dir_meta->path);
        goto out;
    }
    listing->fs = fs;
    listing->dir_meta = dir_meta;
    listing->cb = cb;
    listing->ctx = ctx;
    listing->status = KB_OK;
    listing->err = err;
    status = index_walk_all(fs, dir_file, list_entry, listing, err);
    if (status == KB_OK)
        status = listing->status;
    if (status != KB_OK && status != KB_ERR_LIMIT && status != KB_ERR_NOMEM)
        kb_error_prefix(err, "%s: cannot read the directory", dir_meta->path);
out:
    if (dir_file != NULL)
        tsk_fs_file_close(dir_file);
    free(dir_meta);
    free(listing);
    return status;
}

/* ---- Windows installations ---- */

typedef struct windows_scan {
    kb_fs *fs;
    char (*dirs)[KB_MAX_PATH_BYTES];
    size_t max;
    size_t count;
    kb_status status;
    kb_error *err;
    kb_file_meta probe;
    char name[4 * KB_NTFS_NAME_MAX + 1];
    char path[KB_MAX_PATH_BYTES];
    char found[KB_MAX_WINDOWS_INSTALLS][KB_MAX_PATH_BYTES];
} windows_scan;

static int windows_candidate(void *ctx, const kb_ntfs_hit *entry)
{
    windows_scan *scan = ctx;
    kb_status status;
    size_t i;

    /* the DOS 8.3 twin of a long name is the same directory */
    if (entry->name_space == KB_NTFS_NAMESPACE_DOS ||
        (entry->file_flags & KB_NTFS_FILE_NAME_IS_DIRECTORY) == 0)
        return 0;
    hit_name_utf8(entry, scan->name, sizeof(scan->name));
    /* the root indexes itself as "."; metafiles start with '$' */
    if (scan->name[0] == '\0' || scan->name[0] == '$' || strcmp(scan->name, ".") == 0 ||
        strcmp(scan->name, "..") == 0 || strpbrk(scan->name, "\\/:") != NULL)
        return 0;
    if (snprintf(scan->path, sizeof(scan->path), "\\%s\\system32\\config", scan->name) >=
        (int)sizeof(scan->path))
        return 0;
    status = kb_fs_lookup(scan->fs, scan->path, &scan->probe, scan->err);
    if (status == KB_ERR_NOT_FOUND) {
        kb_error_clear(scan->err);
        return 0;
    }
    if (status != KB_OK) {
        scan->status = status;
        kb_error_prefix(scan->err, "looking for a Windows directory in \\%s", scan->name);
        return 1;
    }
    if (!scan->probe.is_directory)
        return 0;
    /* "\\WINDOWS\\system32\\config" as spelled on disk, cut back to "\\WINDOWS" */
    *strchr(scan->probe.path + 1, '\\') = '\0';
    for (i = 0; i < scan->count; i++) {
        if (strcmp(scan->found[i], scan->probe.path) == 0)
            return 0;
    }
    if (scan->count == KB_MAX_WINDOWS_INSTALLS) {
        scan->status = kb_error_set(scan->err, KB_ERR_LIMIT,
                                    "more than %d Windows directories "
                                    "(KB_MAX_WINDOWS_INSTALLS)", KB_MAX_WINDOWS_INSTALLS);
        return 1;
    }
    kb_strlcpy(scan->found[scan->count++], scan->probe.path, KB_MAX_PATH_BYTES);
    return 0;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(a, b);
}

kb_status kb_fs_find_windows(kb_fs *fs, char (*dirs)[KB_MAX_PATH_BYTES], size_t max,
                             size_t *count, kb_error *err)
{
    TSK_FS_FILE *root = NULL;
    windows_scan *scan;
    kb_status status;
    size_t i;

    if (count != NULL)
        *count = 0;
    if (fs == NULL || count == NULL || (dirs == NULL && max > 0))
        return kb_error_set(err, KB_ERR_ARGUMENT, "finding Windows: invalid argument");
    scan = calloc(1, sizeof(*scan));
    if (scan == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory");
    scan->fs = fs;
    scan->dirs = dirs;
    scan->max = max;
    scan->status = KB_OK;
    scan->err = err;
    status = open_entry(fs, fs->tsk->root_inum, &root, err);
    if (status == KB_OK)
        status = index_walk_all(fs, root, windows_candidate, scan, err);
    if (status == KB_OK)
        status = scan->status;
    if (status != KB_OK)
        kb_error_prefix(err, "root directory");
    /* the walk goes node by node; report in name order */
    qsort(scan->found, scan->count, sizeof(scan->found[0]), compare_paths);
    for (i = 0; i < scan->count && i < max; i++)
        kb_strlcpy(dirs[i], scan->found[i], KB_MAX_PATH_BYTES);
    *count = scan->count;
    if (root != NULL)
        tsk_fs_file_close(root);
    free(scan);
    return status;
}
