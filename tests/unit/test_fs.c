/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_fs.c - the NTFS layer.
 *   - On the mkevidence.sh images: lookups give the inode fls gives (and ntfsbuild recorded),
 *     reads give the bytes icat gives (SHA-256), in every container; case-insensitive and
 *     non-ASCII names; listing; Windows directories; caps; how few bytes a lookup reads.
 *   - On crafted index bytes: fixups, entry lengths, offsets, key and name lengths.
 *   - On a damaged copy of the volume in memory: a B-tree whose child pointers loop, a torn
 *     index block (fixup mismatch).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "evidence_test.h"
#include "fs/fs.h"
#include "fs/ntfs_index.h"
#include "util/text.h"

#define MIB (1024u * 1024u)
#define NTFSBUILD_TIME 1268092800 /* 2010-03-09 00:00:00 UTC, ntfsbuild's fixed clock */

typedef struct opened {
    kb_image *image;
    kb_volumes *volumes;
    kb_fs *fs;
} opened;

static void open_fs(const char *name, size_t partition, opened *o)
{
    kb_error err;

    memset(o, 0, sizeof(*o));
    kb_error_clear(&err);
    assert_int_equal(kb_image_open(evidence_path(name), &o->image, &err), KB_OK);
    assert_int_equal(kb_volumes_open(o->image, &o->volumes, &err), KB_OK);
    if (kb_fs_open(o->volumes, kb_volumes_get(o->volumes, partition), &o->fs, &err) != KB_OK)
        fail_msg("%s", err.message);
}

static void close_fs(opened *o)
{
    kb_fs_close(o->fs);
    kb_volumes_close(o->volumes);
    kb_image_close(o->image);
}

/* The inode fls reports for `path` ('/'-separated) in partition 1 of mbr.raw. */
static unsigned long fls_inode(const char *path)
{
    char command[8192];

    snprintf(command, sizeof(command),
             "fls -r -p -o 2048 '%s' | awk -F '\\t' '$2 == \"%s\" {print $1}' | "
             "sed 's/^[^ ]* \\([0-9]*\\)-.*/\\1/'",
             evidence_path("mbr.raw"), path);
    return strtoul(evidence_run(command), NULL, 10);
}

static const char *icat_sha256(unsigned long inode)
{
    char command[8192];

    snprintf(command, sizeof(command), "icat -o 2048 '%s' %lu | sha256sum | cut -c1-64",
             evidence_path("mbr.raw"), inode);
    return evidence_run(command);
}

/* ---- on the images ---- */

static void test_kb_fs_lookup_matches_fls(void **state)
{
    static const char *const paths[][2] = {
        {"\\WINDOWS\\system32\\inetsrv\\w3core.dll", "WINDOWS/system32/inetsrv/w3core.dll"},
        {"WINDOWS/system32/config/SOFTWARE", "WINDOWS/system32/config/SOFTWARE"},
        {"\\WINDOWS\\system32\\file00000.dll", "WINDOWS/system32/file00000.dll"},
        {"\\WINDOWS\\system32\\file01500.dll", "WINDOWS/system32/file01500.dll"},
        {"\\WINDOWS\\system32\\file02999.dll", "WINDOWS/system32/file02999.dll"},
        {"\\WINNT\\system32\\config", "WINNT/system32/config"},
    };
    kb_file_meta meta;
    kb_error err;
    opened o;
    size_t i;

    (void)state;
    open_fs("mbr.raw", 0, &o);
    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        unsigned long expected = fls_inode(paths[i][1]);

        assert_true(expected > 0);
        if (kb_fs_lookup(o.fs, paths[i][0], &meta, &err) != KB_OK)
            fail_msg("%s: %s", paths[i][0], err.message);
        assert_int_equal(meta.mft_entry, expected);
    }
    close_fs(&o);
}

static void test_kb_fs_lookup_case_and_spelling(void **state)
{
    kb_file_meta meta;
    kb_error err;
    opened o;

    (void)state;
    open_fs("mbr.raw", 0, &o);
    assert_int_equal(kb_fs_lookup(o.fs, "windows\\SYSTEM32\\InetSrv\\W3CORE.DLL", &meta, &err),
                     KB_OK);
    assert_string_equal(meta.path, "\\WINDOWS\\system32\\inetsrv\\w3core.dll");
    assert_int_equal(meta.size, 100000);
    assert_false(meta.is_directory);
    assert_int_equal(meta.sequence, 1); /* fls shows 69-128-2: 2 is the attribute id */
    assert_int_equal(meta.created, NTFSBUILD_TIME);
    assert_int_equal(meta.modified, NTFSBUILD_TIME);
    assert_int_equal(meta.mft_modified, NTFSBUILD_TIME);
    assert_int_equal(meta.accessed, NTFSBUILD_TIME);
    /* non-ASCII: $UpCase maps ö to Ö (ß has no single-unit capital and stays) */
    assert_int_equal(kb_fs_lookup(o.fs, "/PROGRAM FILES/GR\xc3\x96\xc3\x9f" "E.TXT", &meta, &err),
                     KB_OK);
    assert_string_equal(meta.path, "\\Program Files\\Gr\xc3\xb6\xc3\x9f" "e.txt");
    assert_int_equal(kb_fs_lookup(o.fs, "", &meta, &err), KB_OK);
    assert_string_equal(meta.path, "\\");
    assert_true(meta.is_directory);
    assert_int_equal(meta.mft_entry, 5);
    assert_int_equal(kb_fs_lookup(o.fs, "\\WINDOWS\\", &meta, &err), KB_OK);
    assert_true(meta.is_directory);
    assert_string_equal(meta.path, "\\WINDOWS");
    close_fs(&o);
}

static void test_kb_fs_lookup_errors(void **state)
{
    kb_file_meta meta;
    kb_error err;
    opened o;

    (void)state;
    open_fs("mbr.raw", 0, &o);
    assert_int_equal(kb_fs_lookup(o.fs, "\\WINDOWS\\system32\\nothere\\x.dll", &meta, &err),
                     KB_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "no \"nothere\" in \\WINDOWS\\system32"));
    assert_int_equal(kb_fs_lookup(o.fs, "\\WINDOWS\\system32\\file00001.dll\\x", &meta, &err),
                     KB_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "is not a directory"));
    assert_int_equal(kb_fs_lookup(o.fs, "C:\\WINDOWS", &meta, &err), KB_ERR_ARGUMENT);
    assert_int_equal(kb_fs_lookup(o.fs, "\\WINDOWS\\..\\WINNT", &meta, &err), KB_ERR_ARGUMENT);
    assert_int_equal(kb_fs_lookup(o.fs, "\\WINDOWS\\\xff", &meta, &err), KB_ERR_ARGUMENT);
    /* ß does not fold to SS in NTFS collation */
    assert_int_equal(kb_fs_lookup(o.fs, "\\Program Files\\GR\xc3\x96SSE.txt", &meta, &err),
                     KB_ERR_NOT_FOUND);
    close_fs(&o);
}

static void test_kb_fs_read_file_matches_icat(void **state)
{
    static const char *const names[] = {"mbr.raw", "mbr.raw.001", "mbr.vhd", "mbr.vhdx",
                                        "mbr.vmdk", "mbr.E01", "gpt.raw", "bare.raw"};
    char expected[KB_SHA256_HEX_SIZE], sha[KB_SHA256_HEX_SIZE];
    kb_file_meta meta;
    uint8_t *data = NULL;
    size_t len = 0, i;
    kb_error err;
    opened o;

    (void)state;
    kb_strlcpy(expected, icat_sha256(fls_inode("WINDOWS/system32/inetsrv/w3core.dll")),
               sizeof(expected));
    assert_int_equal(strlen(expected), 64);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        open_fs(names[i], 0, &o);
        if (kb_fs_read_file(o.fs, "\\windows\\system32\\inetsrv\\w3core.dll", KB_MAX_FILE_BYTES,
                            &data, &len, &meta, sha, &err) != KB_OK)
            fail_msg("%s: %s", names[i], err.message);
        assert_int_equal(len, 100000);
        assert_string_equal(sha, expected);
        free(data);
        close_fs(&o);
    }
    /* the logical partition of the MBR disk holds the same volume */
    open_fs("mbr.raw", 1, &o);
    assert_int_equal(kb_fs_read_file(o.fs, "WINDOWS/system32/config/SOFTWARE", KB_MAX_FILE_BYTES,
                                     &data, &len, NULL, sha, &err), KB_OK);
    assert_int_equal(len, 8192);
    assert_memory_equal(data, "regf", 4);
    assert_string_equal(sha, icat_sha256(fls_inode("WINDOWS/system32/config/SOFTWARE")));
    free(data);
    close_fs(&o);
}

static void test_kb_fs_read_file_cap(void **state)
{
    uint8_t *data = (uint8_t *)&data;
    size_t len = 1;
    kb_error err;
    opened o;

    (void)state;
    open_fs("mbr.raw", 0, &o);
    assert_int_equal(kb_fs_read_file(o.fs, "\\WINDOWS\\system32\\inetsrv\\w3core.dll", 99999,
                                     &data, &len, NULL, NULL, &err), KB_ERR_LIMIT);
    assert_null(data);
    assert_int_equal(len, 0);
    assert_non_null(strstr(err.message, "100000 bytes"));
    assert_int_equal(kb_fs_read_file(o.fs, "\\WINDOWS\\system32", KB_MAX_FILE_BYTES, &data,
                                     &len, NULL, NULL, &err), KB_ERR_UNSUPPORTED);
    close_fs(&o);
}

static void test_kb_fs_file_read_at(void **state)
{
    uint8_t *whole = NULL, buf[5000];
    size_t len = 0, got = 0;
    kb_fs_file *file = NULL;
    kb_error err;
    opened o;

    (void)state;
    open_fs("mbr.vhdx", 0, &o);
    assert_int_equal(kb_fs_read_file(o.fs, "\\WINDOWS\\system32\\inetsrv\\w3core.dll",
                                     KB_MAX_FILE_BYTES, &whole, &len, NULL, NULL, &err), KB_OK);
    assert_int_equal(kb_fs_file_open(o.fs, "\\WINDOWS\\system32\\inetsrv\\w3core.dll", &file,
                                     &err), KB_OK);
    assert_int_equal(kb_fs_file_meta(file)->size, 100000);
    assert_int_equal(kb_fs_file_read_at(file, 12345, buf, sizeof(buf), &got, &err), KB_OK);
    assert_true(got > 0 && got <= sizeof(buf));
    assert_memory_equal(buf, whole + 12345, got);
    assert_int_equal(kb_fs_file_read_at(file, 99990, buf, sizeof(buf), &got, &err), KB_OK);
    assert_int_equal(got, 10);
    assert_memory_equal(buf, whole + 99990, 10);
    assert_int_equal(kb_fs_file_read_at(file, 100000, buf, sizeof(buf), &got, &err), KB_OK);
    assert_int_equal(got, 0);
    kb_fs_file_close(file);
    free(whole);
    close_fs(&o);
}

typedef struct listing {
    size_t files, dirs;
    int saw_w3core;
} listing;

static int count_entry(void *ctx, const char *name, const kb_file_meta *meta)
{
    listing *l = ctx;

    if (meta->is_directory)
        l->dirs++;
    else
        l->files++;
    if (strcmp(name, "w3core.dll") == 0 && meta->size == 100000 &&
        strcmp(meta->path, "\\WINDOWS\\system32\\inetsrv\\w3core.dll") == 0)
        l->saw_w3core = 1;
    return 0;
}

static void test_kb_fs_list_dir(void **state)
{
    listing l;
    kb_error err;
    opened o;

    (void)state;
    open_fs("mbr.raw", 0, &o);
    memset(&l, 0, sizeof(l));
    assert_int_equal(kb_fs_list_dir(o.fs, "windows\\system32\\inetsrv", count_entry, &l, &err),
                     KB_OK);
    assert_int_equal(l.files, 1);
    assert_int_equal(l.dirs, 0);
    assert_true(l.saw_w3core);
    memset(&l, 0, sizeof(l));
    assert_int_equal(kb_fs_list_dir(o.fs, "\\WINDOWS\\system32", count_entry, &l, &err), KB_OK);
    assert_int_equal(l.files, 3000);
    assert_int_equal(l.dirs, 2);
    assert_int_equal(kb_fs_list_dir(o.fs, "\\WINDOWS\\system32\\file00001.dll", count_entry, &l,
                                    &err), KB_ERR_NOT_FOUND);
    close_fs(&o);
}

typedef struct name_list {
    char names[4000][64];
    size_t count;
} name_list;

static int collect_name(void *ctx, const char *name, const kb_file_meta *meta)
{
    name_list *l = ctx;

    (void)meta;
    if (l->count < 4000)
        kb_strlcpy(l->names[l->count], name, sizeof(l->names[0]));
    l->count++;
    return 0;
}

/* kb_fs_list_dir enumerates the $I30 B-tree itself: a 3,000-entry system32 (a multi-level
 * tree) comes back in NTFS name order with exactly the names fls lists, and without reading
 * the MFT (libtsk's directory listing walks all of it on first use). */
static void test_kb_fs_list_dir_btree_matches_fls(void **state)
{
    kb_io_stats before, after;
    name_list *l = calloc(1, sizeof(*l));
    char command[8192], line[512];
    FILE *pipe;
    kb_error err;
    opened o;
    size_t i = 0;

    (void)state;
    assert_non_null(l);
    open_fs("mbr.raw", 0, &o);
    kb_image_io_stats(o.image, &before);
    if (kb_fs_list_dir(o.fs, "\\WINDOWS\\system32", collect_name, l, &err) != KB_OK)
        fail_msg("%s", err.message);
    kb_image_io_stats(o.image, &after);
    print_message("listing of a 3,002-entry system32: %llu bytes in %llu reads\n",
                  (unsigned long long)(after.bytes_read - before.bytes_read),
                  (unsigned long long)(after.read_calls - before.read_calls));
    /* the index blocks (~110 KiB here) and the 3,002 file records (3 MiB), in 64 KiB cache
     * lines; never the MFT twice over */
    assert_true(after.bytes_read - before.bytes_read <= 8 * MIB);
    assert_int_equal(l->count, 3002);
    /* fls lists the same names; LC_ALL=C sort of the upper-cased names is NTFS order for
     * these ASCII names */
    snprintf(command, sizeof(command),
             "fls -u -o 2048 '%s' %lu | cut -f2 | awk '{print toupper($0) \"\\t\" $0}' | "
             "LC_ALL=C sort | cut -f2",
             evidence_path("mbr.raw"), fls_inode("WINDOWS/system32"));
    pipe = popen(command, "r");
    assert_non_null(pipe);
    while (fgets(line, sizeof(line), pipe) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        assert_true(i < l->count);
        assert_string_equal(l->names[i], line);
        i++;
    }
    pclose(pipe);
    assert_int_equal(i, l->count);
    free(l);
    close_fs(&o);
}

static void test_kb_fs_find_windows(void **state)
{
    char dirs[KB_MAX_WINDOWS_INSTALLS][KB_MAX_PATH_BYTES];
    size_t count = 0;
    kb_error err;
    opened o;

    kb_io_stats before, after;

    (void)state;
    open_fs("gpt.raw", 0, &o);
    kb_image_io_stats(o.image, &before);
    assert_int_equal(kb_fs_find_windows(o.fs, dirs, KB_MAX_WINDOWS_INSTALLS, &count, &err),
                     KB_OK);
    kb_image_io_stats(o.image, &after);
    /* the root's own index and three lookups per candidate, not the 3 MiB MFT */
    assert_true(after.bytes_read - before.bytes_read <= 8 * 65536);
    /* \WINNT has system32\config but no SOFTWARE hive: reported all the same */
    assert_int_equal(count, 2);
    assert_string_equal(dirs[0], "\\WINDOWS");
    assert_string_equal(dirs[1], "\\WINNT");
    assert_int_equal(kb_fs_find_windows(o.fs, dirs, 1, &count, &err), KB_OK);
    assert_int_equal(count, 2);
    close_fs(&o);
}

/* One lookup in a 3,000-entry directory reads a few index blocks, not the directory: the
 * whole volume's MFT alone is over 3 MiB. Counted at the image (libtsk reads 64 KiB
 * cache lines). */
static void test_kb_fs_lookup_reads_little(void **state)
{
    kb_io_stats before, after;
    kb_file_meta meta;
    kb_error err;
    opened o;

    (void)state;
    open_fs("mbr.raw", 0, &o);
    kb_image_io_stats(o.image, &before);
    assert_int_equal(kb_fs_lookup(o.fs, "\\WINDOWS\\system32\\file02345.dll", &meta, &err),
                     KB_OK);
    kb_image_io_stats(o.image, &after);
    assert_true(after.bytes_read - before.bytes_read <= 8 * 65536);
    print_message("lookup of \\WINDOWS\\system32\\file02345.dll: %llu bytes in %llu reads\n",
                  (unsigned long long)(after.bytes_read - before.bytes_read),
                  (unsigned long long)(after.read_calls - before.read_calls));
    close_fs(&o);
}

/* ---- damaged copies of the volume, in memory ---- */

static uint8_t *load_volume(size_t *size)
{
    FILE *f = fopen(evidence_path("vol.ntfs"), "rb");
    uint8_t *data = malloc(32 * MIB);

    assert_non_null(f);
    assert_non_null(data);
    *size = fread(data, 1, 32 * MIB, f);
    fclose(f);
    assert_int_equal(*size, 32 * MIB);
    return data;
}

/* Re-applies the update sequence protection to a fixed-up 4 KiB INDX block. */
static void protect(uint8_t *block)
{
    size_t usa = (size_t)(block[4] | block[5] << 8);
    size_t i;

    for (i = 0; i < 8; i++) {
        size_t tail = i * 512 + 510;

        block[usa + 2 + 2 * i] = block[tail];
        block[usa + 3 + 2 * i] = block[tail + 1];
        block[tail] = block[usa];
        block[tail + 1] = block[usa + 1];
    }
}

/* Calls damage() on every index block of \WINDOWS\system32 that has children (fixed up
 * first, protected again after). Returns how many it changed. */
static size_t damage_internal_nodes(uint8_t *volume, size_t size, uint64_t dir,
                                    void (*damage)(uint8_t *block))
{
    uint8_t block[4096];
    size_t off, changed = 0;

    for (off = 0; off + sizeof(block) <= size; off += sizeof(block)) {
        size_t first, parent_at;
        uint64_t parent = 0;
        int k;

        if (memcmp(volume + off, "INDX", 4) != 0)
            continue;
        memcpy(block, volume + off, sizeof(block));
        if (kb_ntfs_index_fixup(block, sizeof(block), NULL) != KB_OK)
            continue;
        if ((block[0x18 + 0x0C] & 1) == 0)
            continue;
        first = 0x18 + (size_t)(block[0x18] | block[0x19] << 8);
        parent_at = first + 0x10;
        for (k = 0; k < 6; k++)
            parent |= (uint64_t)block[parent_at + (size_t)k] << (8 * k);
        if (parent != dir)
            continue;
        damage(block);
        protect(block);
        memcpy(volume + off, block, sizeof(block));
        changed++;
    }
    return changed;
}

/* Points every child pointer of the node back at the node itself. */
static void make_loop(uint8_t *block)
{
    size_t at = 0x18 + (size_t)(block[0x18] | block[0x19] << 8);
    size_t end = 0x18 + (size_t)(block[0x1C] | block[0x1D] << 8);

    while (at + 0x10 <= end) {
        size_t len = (size_t)(block[at + 8] | block[at + 9] << 8);

        if (len < 0x10)
            break;
        if (block[at + 0x0C] & 1)
            memcpy(block + at + len - 8, block + 0x10, 8);
        if (block[at + 0x0C] & 2)
            break;
        at += len;
    }
}

static void tear(uint8_t *block)
{
    (void)block;
}

static void lookup_in_damaged(uint8_t *volume, size_t size, kb_status expected,
                              const char *needle)
{
    kb_image *image = NULL;
    kb_volumes *volumes = NULL;
    kb_fs *fs = NULL;
    kb_file_meta meta;
    kb_error err;

    assert_int_equal(kb_image_open_memory(volume, size, "damaged.raw", &image, &err), KB_OK);
    assert_int_equal(kb_volumes_open(image, &volumes, &err), KB_OK);
    assert_int_equal(kb_fs_open(volumes, kb_volumes_get(volumes, 0), &fs, &err), KB_OK);
    assert_int_equal(kb_fs_lookup(fs, "\\WINDOWS\\system32\\file01234.dll", &meta, &err),
                     expected);
    assert_non_null(strstr(err.message, needle));
    kb_fs_close(fs);
    kb_volumes_close(volumes);
    kb_image_close(image);
}

static void test_kb_fs_lookup_index_loop(void **state)
{
    size_t size;
    uint8_t *volume = load_volume(&size);

    (void)state;
    assert_true(damage_internal_nodes(volume, size, fls_inode("WINDOWS/system32"), make_loop) >
                0);
    lookup_in_damaged(volume, size, KB_ERR_CORRUPT, "index loop");
    free(volume);
}

static void test_kb_fs_lookup_torn_index_block(void **state)
{
    size_t size, off, torn = 0;
    uint8_t *volume = load_volume(&size);

    (void)state;
    assert_true(damage_internal_nodes(volume, size, fls_inode("WINDOWS/system32"), tear) > 0);
    /* break the update sequence number at the end of sector 3 of every system32 node */
    for (off = 0; off + 4096 <= size; off += 4096) {
        if (memcmp(volume + off, "INDX", 4) == 0) {
            volume[off + 3 * 512 + 510] ^= 0xFF;
            torn++;
        }
    }
    assert_true(torn > 0);
    lookup_in_damaged(volume, size, KB_ERR_CORRUPT, "fixup mismatch in sector 3");
    free(volume);
}

/* ---- crafted index nodes ---- */

static uint16_t upcase[KB_NTFS_UPCASE_UNITS];

static int setup_upcase(void **state)
{
    (void)state;
    kb_ntfs_upcase_fallback(upcase);
    return 0;
}

/* Writes an entry for `name` (ASCII) at block[at], returns its length. */
static size_t put_entry(uint8_t *block, size_t at, const char *name, uint64_t mft, int last,
                        int subnode, uint64_t vcn, uint8_t name_space)
{
    size_t units = name != NULL ? strlen(name) : 0;
    size_t key = name != NULL ? 0x42 + 2 * units : 0;
    size_t len = (0x10 + key + 7) / 8 * 8 + (subnode ? 8 : 0);
    size_t i;

    memset(block + at, 0, len);
    for (i = 0; i < 6; i++)
        block[at + i] = (uint8_t)(mft >> (8 * i));
    block[at + 6] = 3; /* sequence 3 */
    block[at + 8] = (uint8_t)len;
    block[at + 9] = (uint8_t)(len >> 8);
    block[at + 10] = (uint8_t)key;
    block[at + 12] = (uint8_t)((last ? 2 : 0) | (subnode ? 1 : 0));
    if (name != NULL) {
        block[at + 0x10 + 0x40] = (uint8_t)units;
        block[at + 0x10 + 0x41] = name_space;
        for (i = 0; i < units; i++)
            block[at + 0x10 + 0x42 + 2 * i] = (uint8_t)name[i];
    }
    if (subnode)
        for (i = 0; i < 8; i++)
            block[at + len - 8 + i] = (uint8_t)(vcn >> (8 * i));
    return len;
}

/* A node header at 0 then entries: "ALPHA" (child 1), "DELTA" (leaf), last (child 7). */
static size_t make_node(uint8_t *block, size_t size)
{
    size_t at = 0x10;

    memset(block, 0, size);
    block[0] = 0x10;
    at += put_entry(block, at, "ALPHA", 100, 0, 1, 1, 1);
    at += put_entry(block, at, "delta", 101, 0, 1, 4, 2);
    at += put_entry(block, at, NULL, 0, 1, 1, 7, 0);
    block[4] = (uint8_t)at;
    block[5] = (uint8_t)(at >> 8);
    block[8] = block[4];
    block[9] = block[5];
    block[12] = 1;
    return at;
}

static void search(const uint8_t *block, size_t size, const char *name, kb_ntfs_hit *hit,
                   kb_status expected)
{
    uint16_t units[64];
    size_t n;
    kb_error err;

    assert_int_equal(kb_ntfs_utf8_to_utf16(name, units, 64, &n, &err), KB_OK);
    assert_int_equal(kb_ntfs_index_node_search(block, size, 0, upcase, units, n, hit, &err),
                     expected);
}

static void test_kb_ntfs_index_node_search_results(void **state)
{
    uint8_t block[512];
    kb_ntfs_hit hit;

    (void)state;
    make_node(block, sizeof(block));
    search(block, sizeof(block), "alpha", &hit, KB_OK);
    assert_int_equal(hit.result, KB_NTFS_FOUND);
    assert_int_equal(hit.mft_entry, 100);
    assert_int_equal(hit.sequence, 3);
    assert_int_equal(hit.name_units, 5);
    search(block, sizeof(block), "DELTA", &hit, KB_OK);
    assert_int_equal(hit.result, KB_NTFS_FOUND);
    assert_int_equal(hit.name_space, KB_NTFS_NAMESPACE_DOS);
    search(block, sizeof(block), "AARDVARK", &hit, KB_OK);
    assert_int_equal(hit.result, KB_NTFS_DESCEND);
    assert_int_equal(hit.child_vcn, 1);
    search(block, sizeof(block), "BRAVO", &hit, KB_OK);
    assert_int_equal(hit.result, KB_NTFS_DESCEND);
    assert_int_equal(hit.child_vcn, 4);
    search(block, sizeof(block), "ZULU", &hit, KB_OK);
    assert_int_equal(hit.result, KB_NTFS_DESCEND);
    assert_int_equal(hit.child_vcn, 7);
    /* a prefix sorts first */
    search(block, sizeof(block), "ALPH", &hit, KB_OK);
    assert_int_equal(hit.child_vcn, 1);
    search(block, sizeof(block), "ALPHAS", &hit, KB_OK);
    assert_int_equal(hit.child_vcn, 4);
}

static void test_kb_ntfs_index_node_search_leaf_absent(void **state)
{
    uint8_t block[512];
    size_t at = 0x10;
    kb_ntfs_hit hit;

    (void)state;
    memset(block, 0, sizeof(block));
    block[0] = 0x10;
    at += put_entry(block, at, "M", 1, 0, 0, 0, 1);
    at += put_entry(block, at, NULL, 0, 1, 0, 0, 0);
    block[4] = (uint8_t)at;
    search(block, sizeof(block), "A", &hit, KB_OK);
    assert_int_equal(hit.result, KB_NTFS_ABSENT);
    search(block, sizeof(block), "Z", &hit, KB_OK);
    assert_int_equal(hit.result, KB_NTFS_ABSENT);
}

static void test_kb_ntfs_index_node_search_entry_length_zero(void **state)
{
    uint8_t block[512];
    kb_ntfs_hit hit;

    (void)state;
    make_node(block, sizeof(block));
    block[0x10 + 8] = 0;
    block[0x10 + 9] = 0;
    search(block, sizeof(block), "ZULU", &hit, KB_ERR_CORRUPT);
}

static void test_kb_ntfs_index_node_search_entry_past_node(void **state)
{
    uint8_t block[512];
    kb_ntfs_hit hit;

    (void)state;
    make_node(block, sizeof(block));
    block[0x10 + 9] = 0x10; /* length 0x10xx */
    search(block, sizeof(block), "ZULU", &hit, KB_ERR_CORRUPT);
}

static void test_kb_ntfs_index_node_search_first_out_of_bounds(void **state)
{
    uint8_t block[512];
    kb_ntfs_hit hit;

    (void)state;
    make_node(block, sizeof(block));
    block[0] = 0xF0;
    block[1] = 0xFF;
    search(block, sizeof(block), "ZULU", &hit, KB_ERR_CORRUPT);
    make_node(block, sizeof(block));
    block[4] = 0xFF;
    block[5] = 0xFF; /* entries end past the block */
    search(block, sizeof(block), "ZULU", &hit, KB_ERR_CORRUPT);
    /* header itself past the block */
    assert_int_equal(kb_ntfs_index_node_search(block, sizeof(block), 500, upcase, upcase, 1,
                                               &hit, NULL), KB_ERR_CORRUPT);
}

static void test_kb_ntfs_index_node_search_key_overruns(void **state)
{
    uint8_t block[512];
    kb_ntfs_hit hit;

    (void)state;
    make_node(block, sizeof(block));
    block[0x10 + 10] = 0xF8; /* key length larger than the entry */
    search(block, sizeof(block), "ZULU", &hit, KB_ERR_CORRUPT);
    make_node(block, sizeof(block));
    block[0x10 + 0x10 + 0x40] = 200; /* name longer than the key */
    search(block, sizeof(block), "ZULU", &hit, KB_ERR_CORRUPT);
    make_node(block, sizeof(block));
    block[0x10 + 10] = 0x20; /* key shorter than a $FILE_NAME */
    search(block, sizeof(block), "ZULU", &hit, KB_ERR_CORRUPT);
}

static void test_kb_ntfs_index_node_search_no_last_entry(void **state)
{
    uint8_t block[512];
    size_t at = 0x10;
    kb_ntfs_hit hit;

    (void)state;
    memset(block, 0, sizeof(block));
    block[0] = 0x10;
    at += put_entry(block, at, "A", 1, 0, 0, 0, 1);
    block[4] = (uint8_t)at;
    search(block, sizeof(block), "Z", &hit, KB_ERR_CORRUPT);
}

static void make_indx(uint8_t *block, size_t size)
{
    size_t i, sectors = size / 512;

    memset(block, 0, size);
    memcpy(block, "INDX", 4);
    block[4] = 0x28;
    block[6] = (uint8_t)(sectors + 1);
    block[0x28] = 0x34; /* usn */
    block[0x29] = 0x12;
    for (i = 0; i < sectors; i++) {
        block[0x2A + 2 * i] = (uint8_t)(0xA0 + i); /* saved bytes */
        block[0x2B + 2 * i] = 0xBB;
        block[i * 512 + 510] = 0x34;
        block[i * 512 + 511] = 0x12;
    }
}

static void test_kb_ntfs_index_fixup(void **state)
{
    uint8_t block[4096];
    kb_error err;

    (void)state;
    make_indx(block, sizeof(block));
    assert_int_equal(kb_ntfs_index_fixup(block, sizeof(block), &err), KB_OK);
    assert_int_equal(block[510], 0xA0);
    assert_int_equal(block[7 * 512 + 510], 0xA7);
    assert_int_equal(block[7 * 512 + 511], 0xBB);

    make_indx(block, sizeof(block));
    block[5 * 512 + 511] = 0x13;
    assert_int_equal(kb_ntfs_index_fixup(block, sizeof(block), &err), KB_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "sector 5"));

    make_indx(block, sizeof(block));
    block[6] = 4; /* count does not match 8 sectors */
    assert_int_equal(kb_ntfs_index_fixup(block, sizeof(block), &err), KB_ERR_CORRUPT);

    make_indx(block, sizeof(block));
    block[4] = 0xF0;
    block[5] = 0x01; /* array at 0x1F0: runs over the sector's own fixup */
    assert_int_equal(kb_ntfs_index_fixup(block, sizeof(block), &err), KB_ERR_CORRUPT);

    make_indx(block, sizeof(block));
    block[4] = 0xFF;
    block[5] = 0xFF;
    assert_int_equal(kb_ntfs_index_fixup(block, sizeof(block), &err), KB_ERR_CORRUPT);

    make_indx(block, sizeof(block));
    block[0] = 'B';
    assert_int_equal(kb_ntfs_index_fixup(block, sizeof(block), &err), KB_ERR_CORRUPT);

    assert_int_equal(kb_ntfs_index_fixup(block, 100, &err), KB_ERR_CORRUPT);
}

static void test_kb_ntfs_name_compare(void **state)
{
    static const uint16_t a[] = {'a', 'b'}, b[] = {'A', 'B'}, c[] = {'A', 'B', 'C'},
                          d[] = {'_'};

    (void)state;
    assert_int_equal(kb_ntfs_name_compare(upcase, a, 2, b, 2), 0);
    assert_true(kb_ntfs_name_compare(upcase, a, 2, c, 3) < 0);
    assert_true(kb_ntfs_name_compare(upcase, c, 3, a, 2) > 0);
    /* '_' (0x5F) sorts after upper-case letters, before lower-case ones: upcase first */
    assert_true(kb_ntfs_name_compare(upcase, a, 1, d, 1) < 0);
}

static void test_kb_ntfs_utf8_to_utf16(void **state)
{
    uint16_t out[4];
    size_t n;
    kb_error err;

    (void)state;
    assert_int_equal(kb_ntfs_utf8_to_utf16("\xc3\xb6\xf0\x9f\x98\x80", out, 4, &n, &err), KB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[0], 0xF6);
    assert_int_equal(out[1], 0xD83D);
    assert_int_equal(out[2], 0xDE00);
    assert_int_equal(kb_ntfs_utf8_to_utf16("\xc0\xaf", out, 4, &n, &err), KB_ERR_ARGUMENT);
    assert_int_equal(kb_ntfs_utf8_to_utf16("\xed\xa0\x80", out, 4, &n, &err), KB_ERR_ARGUMENT);
    assert_int_equal(kb_ntfs_utf8_to_utf16("\xc3", out, 4, &n, &err), KB_ERR_ARGUMENT);
    assert_int_equal(kb_ntfs_utf8_to_utf16("abcde", out, 4, &n, &err), KB_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kb_fs_lookup_matches_fls),
        cmocka_unit_test(test_kb_fs_lookup_case_and_spelling),
        cmocka_unit_test(test_kb_fs_lookup_errors),
        cmocka_unit_test(test_kb_fs_read_file_matches_icat),
        cmocka_unit_test(test_kb_fs_read_file_cap),
        cmocka_unit_test(test_kb_fs_file_read_at),
        cmocka_unit_test(test_kb_fs_list_dir),
        cmocka_unit_test(test_kb_fs_list_dir_btree_matches_fls),
        cmocka_unit_test(test_kb_fs_find_windows),
        cmocka_unit_test(test_kb_fs_lookup_reads_little),
        cmocka_unit_test(test_kb_fs_lookup_index_loop),
        cmocka_unit_test(test_kb_fs_lookup_torn_index_block),
        cmocka_unit_test(test_kb_ntfs_index_node_search_results),
        cmocka_unit_test(test_kb_ntfs_index_node_search_leaf_absent),
        cmocka_unit_test(test_kb_ntfs_index_node_search_entry_length_zero),
        cmocka_unit_test(test_kb_ntfs_index_node_search_entry_past_node),
        cmocka_unit_test(test_kb_ntfs_index_node_search_first_out_of_bounds),
        cmocka_unit_test(test_kb_ntfs_index_node_search_key_overruns),
        cmocka_unit_test(test_kb_ntfs_index_node_search_no_last_entry),
        cmocka_unit_test(test_kb_ntfs_index_fixup),
        cmocka_unit_test(test_kb_ntfs_name_compare),
        cmocka_unit_test(test_kb_ntfs_utf8_to_utf16),
    };

    return cmocka_run_group_tests(tests, setup_upcase, NULL);
}
