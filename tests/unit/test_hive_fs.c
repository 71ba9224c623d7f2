/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_hive_fs.c - src/hive/hive_fs.c (in-place open, $NtUninstall scan, the whole update
 * list) against a fake fs layer defined here: kb_fs_file_open / _meta / _read_at / _close and
 * kb_fs_list_dir serve the SOFTWARE hive built by tests/unit/hive.cmake from memory and count
 * what is asked of them. The real fs layer is tested elsewhere; the fixture images will test
 * the two together.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hive/hive.h"

struct kb_fs {
    uint8_t *hive;
    size_t hive_size;
    uint64_t claimed_size; /* what the file's metadata says */
    uint64_t fail_from;    /* reads reaching past this fail with KB_ERR_IO */
    const char *const *entries; /* directory listing of \WINDOWS, NULL-terminated */
    int reads, opens, closes;
    size_t largest_read;
};

struct kb_fs_file {
    kb_fs *fs;
    kb_file_meta meta;
};

kb_status kb_fs_file_open(kb_fs *fs, const char *path, kb_fs_file **out, kb_error *err)
{
    kb_fs_file *file;

    if (strcmp(path, "\\WINDOWS\\system32\\config\\SOFTWARE") != 0)
        return kb_error_set(err, KB_ERR_NOT_FOUND, "no file %s", path);
    file = calloc(1, sizeof(*file));
    assert_non_null(file);
    file->fs = fs;
    file->meta.size = fs->claimed_size;
    snprintf(file->meta.path, sizeof(file->meta.path), "%s", path);
    fs->opens++;
    *out = file;
    return KB_OK;
}

const kb_file_meta *kb_fs_file_meta(const kb_fs_file *file)
{
    return &file->meta;
}

kb_status kb_fs_file_read_at(kb_fs_file *file, uint64_t off, void *buf, size_t len,
                             size_t *got, kb_error *err)
{
    kb_fs *fs = file->fs;

    fs->reads++;
    if (len > fs->largest_read)
        fs->largest_read = len;
    *got = 0;
    if (off + len > fs->fail_from)
        return kb_error_set(err, KB_ERR_IO, "ntfs run of SOFTWARE unreadable at %llu",
                            (unsigned long long)off);
    if (off >= fs->hive_size)
        return KB_OK;
    if (len > fs->hive_size - off)
        len = fs->hive_size - (size_t)off;
    /* hand out at most 4 KiB per call, as a fragmented file would: callers must loop */
    if (len > 4096)
        len = 4096;
    memcpy(buf, fs->hive + off, len);
    *got = len;
    return KB_OK;
}

void kb_fs_file_close(kb_fs_file *file)
{
    if (file == NULL)
        return;
    file->fs->closes++;
    free(file);
}

kb_status kb_fs_list_dir(kb_fs *fs, const char *path, kb_fs_dir_cb cb, void *ctx,
                         kb_error *err)
{
    if (strcmp(path, "\\WINDOWS") != 0 || fs->entries == NULL)
        return kb_error_set(err, KB_ERR_NOT_FOUND, "no directory %s", path);
    for (size_t i = 0; fs->entries[i] != NULL; i++) {
        kb_file_meta meta;

        memset(&meta, 0, sizeof(meta));
        /* entries ending in '/' are directories here */
        snprintf(meta.path, sizeof(meta.path), "%s", fs->entries[i]);
        meta.is_directory = meta.path[strlen(meta.path) - 1] == '/';
        if (meta.is_directory)
            meta.path[strlen(meta.path) - 1] = '\0';
        if (cb(ctx, meta.path, &meta) != 0)
            break;
    }
    return KB_OK;
}

static kb_fs fake;
static const char SOFTWARE[] = "\\WINDOWS\\system32\\config\\SOFTWARE";

static int load(void **state)
{
    const char *build = getenv("KB_BUILD_DIR");
    char path[1024];
    FILE *f;
    long size;

    (void)state;
    assert_non_null(build);
    snprintf(path, sizeof(path), "%s/tests/unit/hive-data/software.hive", build);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    fake.hive = malloc((size_t)size);
    assert_non_null(fake.hive);
    fake.hive_size = (size_t)size;
    assert_int_equal(fread(fake.hive, 1, fake.hive_size, f), fake.hive_size);
    fclose(f);
    return 0;
}

static int unload(void **state)
{
    (void)state;
    free(fake.hive);
    return 0;
}

static void reset(void)
{
    fake.claimed_size = fake.hive_size;
    fake.fail_from = UINT64_MAX;
    fake.entries = NULL;
    fake.reads = fake.opens = fake.closes = 0;
    fake.largest_read = 0;
}

/* A hive under KB_MAX_HIVE_COPY_BYTES is read whole at open, in large reads, and the fs file
 * closed at once: libregf and the index-root check then work from memory. */
static void test_kb_hive_open_copies_whole(void **state)
{
    kb_hive *hive = NULL;
    char text[64];
    kb_error err;
    int reads_after_open;

    (void)state;
    reset();
    kb_error_clear(&err);
    if (kb_hive_open(&fake, SOFTWARE, &hive, &err) != KB_OK)
        fail_msg("%s", err.message);
    assert_string_equal(kb_hive_name(hive), SOFTWARE);
    assert_int_equal(fake.opens, 1);
    assert_int_equal(fake.closes, 1);
    reads_after_open = fake.reads;
    assert_true(reads_after_open > 0);
    /* one read per piece the fs returns, never a read per cell */
    assert_true((size_t)reads_after_open <= fake.hive_size / 4096 + 1);
    assert_int_equal(kb_hive_get_string(hive, "Microsoft\\Windows NT\\CurrentVersion",
                                        "CSDVersion", text, sizeof(text), &err), KB_OK);
    assert_string_equal(text, "Service Pack 2");
    assert_int_equal(fake.reads, reads_after_open);
    kb_hive_close(hive);
    assert_int_equal(fake.closes, 1);
}

/* Number of 4 KiB-aligned hbin headers in the fixture hive (hbin coalescing needs > 1). */
static size_t count_hbins(const uint8_t *data, size_t size)
{
    size_t pos, n = 0;

    for (pos = 0x1000; pos + 32 <= size; pos += 4096)
        n += memcmp(data + pos, "hbin", 4) == 0;
    return n;
}

/* Opens the fake fs file (copied, hbins coalesced) and the same bytes from memory (as they
 * are) and checks both read alike: the update list in full and the version strings. */
static void expect_same_reading(void)
{
    static const char *const values[] = {"CSDVersion", "CurrentVersion", "BuildLab",
                                         "ProductName"};
    kb_hive *merged = NULL, *plain = NULL;
    kb_hive_update *a = NULL, *b = NULL;
    size_t na = 0, nb = 0, i;
    kb_status sa, sb;
    kb_error err;

    kb_error_clear(&err);
    sa = kb_hive_open(&fake, SOFTWARE, &merged, &err);
    sb = kb_hive_open_memory(fake.hive, fake.hive_size, SOFTWARE, &plain, &err);
    assert_int_equal(sa, sb);
    if (sa != KB_OK)
        return;
    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char ta[256], tb[256];

        sa = kb_hive_get_string(merged, "Microsoft\\Windows NT\\CurrentVersion", values[i],
                                ta, sizeof(ta), &err);
        sb = kb_hive_get_string(plain, "Microsoft\\Windows NT\\CurrentVersion", values[i],
                                tb, sizeof(tb), &err);
        assert_int_equal(sa, sb);
        assert_string_equal(ta, tb);
    }
    sa = kb_hive_updates_list(merged, NULL, NULL, &a, &na, &err);
    sb = kb_hive_updates_list(plain, NULL, NULL, &b, &nb, &err);
    assert_int_equal(sa, sb);
    assert_int_equal(na, nb);
    for (i = 0; i < na; i++) {
        assert_string_equal(a[i].id, b[i].id);
        assert_int_equal(a[i].seen, b[i].seen);
        assert_memory_equal(a[i].where, b[i].where, sizeof(a[i].where));
    }
    free(a);
    free(b);
    kb_hive_close(merged);
    kb_hive_close(plain);
}

/* The copy's hbins are coalesced (hive_fs.c, merge_hbins); every read must be as from the
 * untouched bytes, also when a later hbin is malformed and merging stops there. */
static void test_kb_hive_open_coalesced_hbins_read_alike(void **state)
{
    uint8_t *saved = malloc(fake.hive_size);
    size_t second;

    (void)state;
    assert_non_null(saved);
    memcpy(saved, fake.hive, fake.hive_size);
    assert_true(count_hbins(fake.hive, fake.hive_size) > 1);
    reset();
    expect_same_reading();
    /* the first hbin's header still says its own size in the evidence's bytes */
    assert_memory_equal(fake.hive, saved, fake.hive_size);
    /* a torn second hbin: coalescing stops before it; libregf judges both copies alike */
    second = 0x1000 + (size_t)(fake.hive[0x1008] | fake.hive[0x1009] << 8 |
                               fake.hive[0x100A] << 16);
    assert_true(second + 4 <= fake.hive_size);
    fake.hive[second] = 'X';
    reset();
    expect_same_reading();
    /* a cell running past the end of the first hbin: not merged either */
    memcpy(fake.hive, saved, fake.hive_size);
    fake.hive[0x1020] = 0x00;
    fake.hive[0x1021] = 0xF0;
    fake.hive[0x1022] = 0xFF;
    fake.hive[0x1023] = 0xFF; /* allocated, 4 KiB: past the hbin's end */
    reset();
    expect_same_reading();
    memcpy(fake.hive, saved, fake.hive_size);
    free(saved);
}

static void test_kb_hive_open_missing_file(void **state)
{
    kb_hive *hive = NULL;
    kb_error err;

    (void)state;
    reset();
    assert_int_equal(kb_hive_open(&fake, "\\WINDOWS\\system32\\config\\NOPE", &hive, &err),
                     KB_ERR_NOT_FOUND);
    assert_null(hive);
    assert_non_null(strstr(err.message, "opening hive"));
    assert_int_equal(kb_hive_open(NULL, SOFTWARE, &hive, &err), KB_ERR_ARGUMENT);
}

static void test_kb_hive_open_too_large(void **state)
{
    kb_hive *hive = NULL;
    kb_error err;

    (void)state;
    reset();
    fake.claimed_size = KB_MAX_HIVE_BYTES + 4096;
    assert_int_equal(kb_hive_open(&fake, SOFTWARE, &hive, &err), KB_ERR_LIMIT);
    assert_null(hive);
    assert_int_equal(fake.reads, 0);
    assert_int_equal(fake.closes, 1);
}

static void test_kb_hive_open_read_error(void **state)
{
    kb_hive *hive = NULL;
    kb_error err;

    (void)state;
    reset();
    fake.fail_from = 6000;
    assert_int_equal(kb_hive_open(&fake, SOFTWARE, &hive, &err), KB_ERR_IO);
    assert_null(hive);
    assert_non_null(strstr(err.message, "ntfs run of SOFTWARE unreadable"));
    assert_int_equal(fake.closes, 1);
}

static void test_kb_hive_updates_list_everything(void **state)
{
    static const char *const entries[] = {"$NtUninstallKB973917$/", "$NtUninstallKB2$/",
                                          "$NtUninstallKB3$",  /* a file, not a folder */
                                          "KB973917.log", "system32/", NULL};
    kb_hive *hive = NULL;
    kb_hive_update *list = NULL;
    const kb_hive_update *u = NULL;
    size_t count = 0;
    kb_error err;

    (void)state;
    reset();
    fake.entries = entries;
    kb_error_clear(&err);
    assert_int_equal(kb_hive_open(&fake, SOFTWARE, &hive, &err), KB_OK);
    if (kb_hive_updates_list(hive, &fake, "\\WINDOWS", &list, &count, &err) != KB_OK)
        fail_msg("%s", err.message);
    assert_int_equal(count, 10);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(list[i].id, "KB973917") == 0)
            u = &list[i];
        assert_string_not_equal(list[i].id, "KB3");
    }
    assert_non_null(u);
    assert_int_equal(u->seen, KB_SEEN_UPDATES | KB_SEEN_HOTFIX | KB_SEEN_NTUNINSTALL);
    assert_string_equal(u->where[KB_WHERE_NTUNINSTALL], "\\WINDOWS\\$NtUninstallKB973917$");
    assert_string_equal(u->where[KB_WHERE_UPDATES], "SOFTWARE\\Microsoft\\Updates\\"
                                                    "Windows Server 2003\\SP3\\KB973917");
    free(list);

    /* no hive (unreadable): folders only; no Windows directory: not an error */
    assert_int_equal(kb_hive_updates_list(NULL, &fake, "\\WINDOWS", &list, &count, &err),
                     KB_OK);
    assert_int_equal(count, 2);
    assert_string_equal(list[0].id, "KB2");
    assert_int_equal(list[0].seen, KB_SEEN_NTUNINSTALL);
    free(list);
    assert_int_equal(kb_hive_updates_list(NULL, &fake, "\\NOWINDOWS", &list, &count, &err),
                     KB_OK);
    assert_int_equal(count, 0);
    assert_null(list);
    assert_int_equal(kb_hive_updates_list(hive, NULL, NULL, &list, &count, &err), KB_OK);
    assert_int_equal(count, 9);
    free(list);
    kb_hive_close(hive);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kb_hive_open_copies_whole),
        cmocka_unit_test(test_kb_hive_open_coalesced_hbins_read_alike),
        cmocka_unit_test(test_kb_hive_open_missing_file),
        cmocka_unit_test(test_kb_hive_open_too_large),
        cmocka_unit_test(test_kb_hive_open_read_error),
        cmocka_unit_test(test_kb_hive_updates_list_everything),
    };

    return cmocka_run_group_tests_name("hive_fs", tests, load, unload);
}
