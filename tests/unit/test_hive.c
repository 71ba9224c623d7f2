/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_hive.c - src/hive/hive.c and src/hive/updates.c against hives built from
 * tests/unit/data/hive_*.spec by fixtures/factory/mkhive (tests/unit/hive.cmake), read from
 * $KB_BUILD_DIR/tests/unit/hive-data. Corruption cases copy the built SOFTWARE hive and damage
 * one field each: every one must end in an error status, never a crash or a leak (the
 * sanitizer build runs them). Nothing here touches kb_fs: hives are opened from memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#include "hive/hive.h"
#include "hive/hive_internal.h"

static blob software_hive, system_hive, system_broken_hive;

static void load(const char *name, blob *out)
{
    kb_test_load_built("tests/unit/hive-data", name, "test_hive_data", out);
}

static int load_all(void **state)
{
    (void)state;
    load("software.hive", &software_hive);
    load("system.hive", &system_hive);
    load("system_broken.hive", &system_broken_hive);
    return 0;
}

static int free_all(void **state)
{
    (void)state;
    free(software_hive.data);
    free(system_hive.data);
    free(system_broken_hive.data);
    return 0;
}

static kb_hive *open_blob(const blob *b, const char *name)
{
    kb_hive *hive = NULL;
    kb_error err;

    kb_error_clear(&err);
    if (kb_hive_open_memory(b->data, b->size, name, &hive, &err) != KB_OK)
        fail_msg("opening %s: %s", name, err.message);
    return hive;
}

static uint8_t *copy_of(const blob *b)
{
    uint8_t *copy = malloc(b->size);

    assert_non_null(copy);
    memcpy(copy, b->data, b->size);
    return copy;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Recomputes the base block checksum (XOR of the dwords at 0x000..0x1fb, stored at 0x1fc)
 * so that a case damages only the field it means to. */
static void fix_checksum(uint8_t *data)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < 0x1fc; i += 4)
        sum ^= get32(data + i);
    if (sum == 0)
        sum = 1;
    else if (sum == 0xffffffffu)
        sum = 0xfffffffeu;
    put32(data + 0x1fc, sum);
}

/* File offset of the data of the nk cell named `name` (ASCII, case-sensitive), by walking
 * hbins and cells; fails the test when absent. Cell offsets in the hive are relative to the
 * first hbin (file offset 0x1000) and point at the cell's size field, 4 before its data. */
static size_t find_nk(const uint8_t *data, size_t size, const char *name)
{
    size_t bin = 0x1000;

    while (bin <= size - 0x20 && memcmp(data + bin, "hbin", 4) == 0) {
        size_t bin_size = get32(data + bin + 8);
        size_t cell = bin + 0x20;

        assert_true(bin_size >= 0x1000 && bin_size <= size - bin);
        while (cell <= bin + bin_size - 8) {
            int32_t cell_size = (int32_t)get32(data + cell);
            size_t len = cell_size < 0 ? (size_t)(-(int64_t)cell_size) : (size_t)cell_size;
            const uint8_t *d = data + cell + 4;

            assert_true(len >= 8 && len <= bin + bin_size - cell);
            if (cell_size < 0 && memcmp(d, "nk", 2) == 0 && len >= 4 + 0x4c &&
                d[0x48] + ((size_t)d[0x49] << 8) == strlen(name) &&
                len - 4 - 0x4c >= strlen(name) && memcmp(d + 0x4c, name, strlen(name)) == 0)
                return cell + 4;
            cell += len;
        }
        bin += bin_size;
    }
    fail_msg("no nk cell named %s", name);
    return 0;
}

/* File offset of the first unallocated cell of at least `min` bytes. */
static size_t find_free_cell(const uint8_t *data, size_t size, size_t min)
{
    size_t bin = 0x1000;

    while (bin <= size - 0x20 && memcmp(data + bin, "hbin", 4) == 0) {
        size_t bin_size = get32(data + bin + 8);

        for (size_t cell = bin + 0x20; cell <= bin + bin_size - 8;) {
            int32_t cell_size = (int32_t)get32(data + cell);

            if (cell_size > 0 && (size_t)cell_size >= min)
                return cell;
            cell += cell_size < 0 ? (size_t)(-(int64_t)cell_size) : (size_t)cell_size;
        }
        bin += bin_size;
    }
    fail_msg("no free cell of %zu bytes", min);
    return 0;
}

static size_t cell_data_of(size_t relative_offset)
{
    return 0x1000 + relative_offset + 4;
}

static size_t relative_of(size_t cell_data)
{
    return cell_data - 4 - 0x1000;
}

/* ---------------------------------------------------------------------------------------
 * Opening
 * ------------------------------------------------------------------------------------- */

static void test_kb_hive_open_memory_valid(void **state)
{
    kb_hive *hive;

    (void)state;
    hive = open_blob(&software_hive, "\\WINDOWS\\system32\\config\\SOFTWARE");
    assert_string_equal(kb_hive_name(hive), "\\WINDOWS\\system32\\config\\SOFTWARE");
    assert_string_equal(kb_hive_file_name(hive), "SOFTWARE");
    kb_hive_close(hive);
    kb_hive_close(NULL);
}

static void test_kb_hive_open_memory_arguments(void **state)
{
    kb_hive *hive = (kb_hive *)&hive;
    kb_error err;

    (void)state;
    assert_int_equal(kb_hive_open_memory(NULL, 10, "x", &hive, &err), KB_ERR_ARGUMENT);
    assert_null(hive);
    assert_int_equal(kb_hive_open_memory(software_hive.data, software_hive.size, "x", NULL,
                                         &err), KB_ERR_ARGUMENT);
    /* an empty buffer is a corrupt hive, not a bad argument; name NULL reads "memory" */
    assert_int_equal(kb_hive_open_memory(NULL, 0, NULL, &hive, &err), KB_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "memory"));
    assert_null(hive);
}

/* A source that claims more than KB_MAX_HIVE_BYTES: refused before libregf reads anything,
 * and the source is released. */
static int released;
static kb_status never_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *got,
                            kb_error *err)
{
    (void)ctx;
    (void)off;
    (void)buf;
    (void)len;
    (void)got;
    fail_msg("read of a refused hive");
    return kb_error_set(err, KB_ERR_IO, "unreachable");
}
static void count_release(void *ctx)
{
    (void)ctx;
    released++;
}

static void test_kb_hive_open_source_too_large(void **state)
{
    kb_hive_source source = {NULL, KB_MAX_HIVE_BYTES + 1, never_read, count_release};
    kb_hive *hive = NULL;
    kb_error err;

    (void)state;
    released = 0;
    assert_int_equal(kb_hive_open_source(&source, "HUGE", &hive, &err), KB_ERR_LIMIT);
    assert_null(hive);
    assert_int_equal(released, 1);
    assert_non_null(strstr(err.message, "KB_MAX_HIVE_BYTES"));
    assert_non_null(strstr(err.message, "HUGE"));
}

/* A source whose reads fail past a point: the failure is an I/O error carrying our source's
 * message, not libregf's generic one. */
typedef struct failing_source {
    const blob *b;
    uint64_t fail_from;
} failing_source;

static kb_status failing_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *got,
                              kb_error *err)
{
    const failing_source *source = ctx;

    *got = 0;
    if (off + len > source->fail_from)
        return kb_error_set(err, KB_ERR_IO, "bad sector at offset %llu",
                            (unsigned long long)off);
    if (off >= source->b->size)
        return KB_OK;
    if (len > source->b->size - off)
        len = source->b->size - (size_t)off;
    memcpy(buf, source->b->data + off, len);
    *got = len;
    return KB_OK;
}

static void test_kb_hive_open_source_read_error(void **state)
{
    failing_source fs_header = {&software_hive, 100};
    failing_source fs_bins = {&software_hive, 0x1000};
    kb_hive_source source = {&fs_header, 0, failing_read, NULL};
    kb_hive *hive = NULL;
    kb_error err;
    char text[64];
    kb_status status;

    (void)state;
    source.size = software_hive.size;
    assert_int_equal(kb_hive_open_source(&source, "SOFTWARE", &hive, &err), KB_ERR_IO);
    assert_null(hive);
    assert_non_null(strstr(err.message, "bad sector"));
    assert_non_null(strstr(err.message, "SOFTWARE"));

    /* the header reads, the bins do not: open may succeed (libregf reads bins lazily) but
     * the first key lookup reports the i/o error */
    source.ctx = &fs_bins;
    status = kb_hive_open_source(&source, "SOFTWARE", &hive, &err);
    if (status == KB_OK) {
        status = kb_hive_get_string(hive, "Microsoft\\Windows NT\\CurrentVersion",
                                    "CurrentVersion", text, sizeof(text), &err);
        kb_hive_close(hive);
    }
    assert_int_equal(status, KB_ERR_IO);
    assert_non_null(strstr(err.message, "bad sector"));
}

/* ---------------------------------------------------------------------------------------
 * Strings
 * ------------------------------------------------------------------------------------- */

static const char CV[] = "Microsoft\\Windows NT\\CurrentVersion";

static void expect_text(kb_hive *hive, const char *key, const char *value,
                          const char *expected)
{
    char text[256];
    kb_error err;

    kb_error_clear(&err);
    if (kb_hive_get_string(hive, key, value, text, sizeof(text), &err) != KB_OK)
        fail_msg("%s\\%s: %s", key, value != NULL ? value : "(default)", err.message);
    assert_string_equal(text, expected);
}

static void test_kb_hive_get_string_values(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");

    (void)state;
    expect_text(hive, CV, "CurrentVersion", "5.2");
    expect_text(hive, CV, "CurrentBuildNumber", "3790");
    expect_text(hive, CV, "CSDVersion", "Service Pack 2");
    expect_text(hive, CV, "ProductName", "Microsoft Windows Server 2003");
    expect_text(hive, CV, "BuildLab", "3790.srv03_sp2_rtm.070216-1710");
    /* REG_EXPAND_SZ is read, not expanded */
    expect_text(hive, CV, "SystemRoot", "C:\\WINDOWS");
    expect_text(hive, "Microsoft\\OddCase\\MixedKey", "VaLuE", "found");
    kb_hive_close(hive);
}

static void test_kb_hive_get_string_case_insensitive(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");

    (void)state;
    expect_text(hive, "MICROSOFT\\WINDOWS NT\\currentversion", "csdversion", "Service Pack 2");
    expect_text(hive, "microsoft\\OddCase\\mixedkey", "VALUE", "found");
    /* a leading or trailing separator is ignored */
    expect_text(hive, "\\Microsoft\\Windows NT\\CurrentVersion\\", "CurrentVersion", "5.2");
    kb_hive_close(hive);
}

static void test_kb_hive_get_string_default_value(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");
    char text[64];
    kb_error err;

    (void)state;
    expect_text(hive, CV, NULL, "default of CurrentVersion");
    expect_text(hive, CV, "", "default of CurrentVersion");
    /* a key without a default value */
    assert_int_equal(kb_hive_get_string(hive, "Microsoft\\InetStp", NULL, text, sizeof(text),
                                        &err), KB_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "(default)"));
    kb_hive_close(hive);
}

static void test_kb_hive_get_string_not_found(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");
    char text[64] = "stale";
    kb_error err;

    (void)state;
    assert_int_equal(kb_hive_get_string(hive, "Microsoft\\Nope", "x", text, sizeof(text), &err),
                     KB_ERR_NOT_FOUND);
    assert_string_equal(text, "");
    assert_non_null(strstr(err.message, "Microsoft\\Nope"));
    assert_non_null(strstr(err.message, "SOFTWARE"));
    assert_int_equal(kb_hive_get_string(hive, CV, "NoSuchValue", text, sizeof(text), &err),
                     KB_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "NoSuchValue"));
    /* the root's name is not part of paths */
    assert_int_equal(kb_hive_get_string(hive, "CMI-CreateHive{2A7FB991-7BBE-4F9D-B91E-"
                                        "7CB51D4737F5}\\Microsoft", "x", text, sizeof(text),
                                        &err), KB_ERR_NOT_FOUND);
    /* an empty component does not match */
    assert_int_equal(kb_hive_get_string(hive, "Microsoft\\\\Windows NT\\CurrentVersion",
                                        "CurrentVersion", text, sizeof(text), &err),
                     KB_ERR_NOT_FOUND);
    kb_hive_close(hive);
}

static void test_kb_hive_get_string_wrong_type(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");
    char text[64] = "stale";
    kb_error err;

    (void)state;
    assert_int_equal(kb_hive_get_string(hive, CV, "InstallDate", text, sizeof(text), &err),
                     KB_ERR_CORRUPT);
    assert_string_equal(text, "");
    assert_non_null(strstr(err.message, "REG_DWORD"));
    assert_non_null(strstr(err.message, "InstallDate"));
    assert_int_equal(kb_hive_get_string(hive, CV, "Big", text, sizeof(text), &err),
                     KB_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "REG_QWORD"));
    assert_int_equal(kb_hive_get_string(hive, CV, "Paths", text, sizeof(text), &err),
                     KB_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "REG_MULTI_SZ"));
    assert_int_equal(kb_hive_get_string(hive, "Microsoft\\InetStp", "PathWWWRoot", text,
                                        sizeof(text), &err), KB_ERR_CORRUPT);
    kb_hive_close(hive);
}

static void test_kb_hive_get_string_odd_data(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");

    (void)state;
    expect_text(hive, CV, "Empty", "");
    expect_text(hive, CV, "Unterminated", "5.2");
    expect_text(hive, CV, "OddLength", "5.2");
    expect_text(hive, CV, "EmbeddedNul", "a");
    expect_text(hive, CV, "Umlaut", "Gr\xc3\xbc\xc3\x9f" "e");
    expect_text(hive, CV, "LoneSurrogate", "A\xef\xbf\xbd" "B");
    kb_hive_close(hive);
}

static void test_kb_hive_get_string_too_small(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");
    char text[4] = "xyz";
    kb_error err;

    (void)state;
    /* "5.2" fits 4 bytes exactly; "3790" does not */
    assert_int_equal(kb_hive_get_string(hive, CV, "CurrentVersion", text, sizeof(text), &err),
                     KB_OK);
    assert_string_equal(text, "5.2");
    assert_int_equal(kb_hive_get_string(hive, CV, "CurrentBuildNumber", text, sizeof(text),
                                        &err), KB_ERR_LIMIT);
    assert_string_equal(text, "");
    assert_int_equal(kb_hive_get_string(hive, CV, "CurrentVersion", text, 0, &err),
                     KB_ERR_ARGUMENT);
    kb_hive_close(hive);
}

/* ---------------------------------------------------------------------------------------
 * Dwords, sub-keys, existence, control set
 * ------------------------------------------------------------------------------------- */

static void test_kb_hive_get_dword_values(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");
    uint32_t number = 99;
    kb_error err;

    (void)state;
    assert_int_equal(kb_hive_get_dword(hive, "Microsoft\\InetStp", "MajorVersion", &number,
                                       &err), KB_OK);
    assert_int_equal(number, 6);
    assert_int_equal(kb_hive_get_dword(hive, "microsoft\\inetstp", "minorversion", &number,
                                       &err), KB_OK);
    assert_int_equal(number, 0);
    assert_int_equal(kb_hive_get_dword(hive, CV, "InstallDate", &number, &err), KB_OK);
    assert_int_equal(number, 1262304000u);
    kb_hive_close(hive);
}

static void test_kb_hive_get_dword_errors(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");
    uint32_t number = 77;
    kb_error err;

    (void)state;
    assert_int_equal(kb_hive_get_dword(hive, CV, "CSDBuildNumber", &number, &err),
                     KB_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "REG_SZ"));
    assert_int_equal(kb_hive_get_dword(hive, CV, "ShortDword", &number, &err), KB_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "not 4"));
    assert_int_equal(kb_hive_get_dword(hive, CV, "Big", &number, &err), KB_ERR_CORRUPT);
    assert_int_equal(kb_hive_get_dword(hive, CV, "Nope", &number, &err), KB_ERR_NOT_FOUND);
    assert_int_equal(kb_hive_get_dword(hive, "Nope", "Nope", &number, &err), KB_ERR_NOT_FOUND);
    assert_int_equal(number, 77);
    kb_hive_close(hive);
}

typedef struct names {
    char list[16][64];
    int count;
    int stop_after;
} names;

static int collect(void *ctx, const char *name)
{
    names *n = ctx;

    if (n->count < 16)
        snprintf(n->list[n->count], sizeof(n->list[0]), "%s", name);
    n->count++;
    return n->stop_after > 0 && n->count >= n->stop_after;
}

static bool has_name(const names *n, const char *name)
{
    for (int i = 0; i < n->count && i < 16; i++) {
        if (strcmp(n->list[i], name) == 0)
            return true;
    }
    return false;
}

static void test_kb_hive_subkeys_lists(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");
    names n;
    kb_error err;

    (void)state;
    memset(&n, 0, sizeof(n));
    assert_int_equal(kb_hive_subkeys(hive, "microsoft\\updates\\windows server 2003\\sp3",
                                     collect, &n, &err), KB_OK);
    assert_int_equal(n.count, 2);
    /* names as stored, not as asked */
    assert_true(has_name(&n, "KB973917"));
    assert_true(has_name(&n, "kb982666"));

    memset(&n, 0, sizeof(n));
    assert_int_equal(kb_hive_subkeys(hive, "Microsoft", collect, &n, &err), KB_OK);
    assert_int_equal(n.count, 5);
    assert_true(has_name(&n, "OddCase") == false);
    assert_true(has_name(&n, "oddcase")); /* first spelling in the spec: MICROSOFT\oddcase */

    memset(&n, 0, sizeof(n));
    n.stop_after = 2;
    assert_int_equal(kb_hive_subkeys(hive, "Microsoft", collect, &n, &err), KB_OK);
    assert_int_equal(n.count, 2);

    memset(&n, 0, sizeof(n));
    assert_int_equal(kb_hive_subkeys(hive, "Microsoft\\InetStp", collect, &n, &err), KB_OK);
    assert_int_equal(n.count, 0);
    assert_int_equal(kb_hive_subkeys(hive, "Microsoft\\Nope", collect, &n, &err),
                     KB_ERR_NOT_FOUND);
    assert_int_equal(kb_hive_subkeys(hive, "Microsoft", NULL, &n, &err), KB_ERR_ARGUMENT);
    kb_hive_close(hive);
}

static void test_kb_hive_key_exists_cases(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");
    bool exists = false;
    kb_error err;

    (void)state;
    assert_int_equal(kb_hive_key_exists(hive, "Microsoft\\InetStp", &exists, &err), KB_OK);
    assert_true(exists);
    assert_int_equal(kb_hive_key_exists(hive, "MICROSOFT\\INETSTP", &exists, &err), KB_OK);
    assert_true(exists);
    assert_int_equal(kb_hive_key_exists(hive, "", &exists, &err), KB_OK);
    assert_true(exists);
    assert_int_equal(kb_hive_key_exists(hive, "Microsoft\\InetStp\\Nope", &exists, &err),
                     KB_OK);
    assert_false(exists);
    kb_hive_close(hive);
}

static void test_kb_hive_current_control_set_cases(void **state)
{
    kb_hive *system = open_blob(&system_hive, "SYSTEM");
    kb_hive *broken = open_blob(&system_broken_hive, "SYSTEM");
    kb_hive *software = open_blob(&software_hive, "SOFTWARE");
    char name[32];
    uint32_t start = 0;
    kb_error err;

    (void)state;
    assert_int_equal(kb_hive_current_control_set(system, name, sizeof(name), &err), KB_OK);
    assert_string_equal(name, "ControlSet001");
    assert_int_equal(kb_hive_get_dword(system, "ControlSet001\\Services\\W3SVC", "Start",
                                       &start, &err), KB_OK);
    assert_int_equal(start, 2);
    assert_int_equal(kb_hive_current_control_set(system, name, 8, &err), KB_ERR_ARGUMENT);

    assert_int_equal(kb_hive_current_control_set(broken, name, sizeof(name), &err),
                     KB_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "ControlSet003"));
    assert_int_equal(kb_hive_get_dword(broken, "Select", "Default", &start, &err),
                     KB_ERR_CORRUPT);

    assert_int_equal(kb_hive_current_control_set(software, name, sizeof(name), &err),
                     KB_ERR_NOT_FOUND);
    assert_string_equal(name, "");
    kb_hive_close(system);
    kb_hive_close(broken);
    kb_hive_close(software);
}

/* ---------------------------------------------------------------------------------------
 * Installed updates
 * ------------------------------------------------------------------------------------- */

static const kb_hive_update *find_update(const kb_hive_update *list, size_t count,
                                         const char *id)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(list[i].id, id) == 0)
            return &list[i];
    }
    fail_msg("update %s not in the list", id);
    return NULL;
}

static kb_status registry_updates(kb_hive *hive, kb_hive_update **list, size_t *count,
                                  kb_error *err)
{
    kb_hive_update_set *set = NULL;
    kb_status status = kb_hive_update_set_new(&set, err);

    if (status == KB_OK)
        status = kb_hive_update_set_add_registry(set, hive, err);
    if (status != KB_OK) {
        kb_hive_update_set_free(set);
        return status;
    }
    return kb_hive_update_set_finish(set, list, count, err);
}

static void test_kb_hive_update_set_registry(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "\\WINDOWS\\system32\\config\\SOFTWARE");
    kb_hive_update *list = NULL;
    const kb_hive_update *u;
    size_t count = 0;
    kb_error err;
    static const char *const sorted[] = {"ie7",      "KB111111",    "KB555555", "KB907417",
                                         "KB973917", "KB973917-v2", "KB982666", "Q147222",
                                         "Q832483"};

    (void)state;
    kb_error_clear(&err);
    if (registry_updates(hive, &list, &count, &err) != KB_OK)
        fail_msg("%s", err.message);
    assert_int_equal(count, sizeof(sorted) / sizeof(sorted[0]));
    for (size_t i = 0; i < count; i++)
        assert_string_equal(list[i].id, sorted[i]);

    /* KB973917: Updates and HotFix (spelled kb973917 there), merged; the Updates date first */
    u = find_update(list, count, "KB973917");
    assert_int_equal(u->seen, KB_SEEN_UPDATES | KB_SEEN_HOTFIX);
    assert_string_equal(u->where[KB_WHERE_UPDATES],
                        "SOFTWARE\\Microsoft\\Updates\\Windows Server 2003\\SP3\\KB973917");
    assert_string_equal(u->where[KB_WHERE_HOTFIX],
                        "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\HotFix\\kb973917");
    assert_string_equal(u->where[KB_WHERE_UNINSTALL], "");
    assert_string_equal(u->where[KB_WHERE_NTUNINSTALL], "");
    assert_string_equal(u->installed_on, "12/9/2009");
    assert_string_equal(u->description, "Security Update for Windows Server 2003 (KB973917)");

    /* KB973917-v2 is another update: HotFix and Uninstall (spelled -V2 there) */
    u = find_update(list, count, "KB973917-v2");
    assert_int_equal(u->seen, KB_SEEN_HOTFIX | KB_SEEN_UNINSTALL);
    assert_string_equal(u->installed_on, "3/10/2010");
    assert_string_equal(u->where[KB_WHERE_UNINSTALL],
                        "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\KB973917-V2");
    assert_string_equal(u->where[KB_WHERE_UPDATES], "");

    /* kb982666 under Updates: id with "KB" upper-cased */
    u = find_update(list, count, "KB982666");
    assert_int_equal(u->seen, KB_SEEN_UPDATES);
    assert_string_equal(u->installed_on, "");
    assert_string_equal(u->where[KB_WHERE_UPDATES],
                        "SOFTWARE\\Microsoft\\Updates\\Windows Server 2003\\SP3\\kb982666");

    /* XP x64's product name; a REG_DWORD Description is ignored */
    u = find_update(list, count, "KB111111");
    assert_string_equal(u->where[KB_WHERE_UPDATES],
                        "SOFTWARE\\Microsoft\\Updates\\Windows XP Version 2003\\SP2\\KB111111");
    assert_string_equal(u->description, "");

    /* an id directly under a product */
    u = find_update(list, count, "Q832483");
    assert_string_equal(u->where[KB_WHERE_UPDATES],
                        "SOFTWARE\\Microsoft\\Updates\\DataAccess\\Q832483");
    assert_string_equal(u->description, "MDAC update");

    /* Uninstall by ReleaseType: the id comes from DisplayName */
    u = find_update(list, count, "KB907417");
    assert_int_equal(u->seen, KB_SEEN_UNINSTALL);
    assert_string_equal(u->description, "Update for Office 2003 (KB907417)");
    assert_string_equal(u->where[KB_WHERE_UNINSTALL],
                        "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\"
                        "{90110409-6000-11D3-8CFE-0150048383C9}_KB907417");

    /* Uninstall by ParentKeyName, no KB number anywhere: the key name */
    u = find_update(list, count, "ie7");
    assert_int_equal(u->seen, KB_SEEN_UNINSTALL);
    u = find_update(list, count, "KB555555");
    assert_int_equal(u->seen, KB_SEEN_UNINSTALL);
    assert_string_equal(u->description, "");
    u = find_update(list, count, "Q147222");
    assert_int_equal(u->seen, KB_SEEN_HOTFIX);
    free(list);
    kb_hive_close(hive);
}

static void test_kb_hive_update_set_add_folder_merges(void **state)
{
    kb_hive *hive = open_blob(&software_hive, "SOFTWARE");
    kb_hive_update_set *set = NULL;
    kb_hive_update *list = NULL;
    const kb_hive_update *u;
    size_t count = 0;
    bool matched = true;
    kb_error err;
    static const char *const ignored[] = {"$NtUninstall$", "$NtUninstallKB1", "KB973917.log",
                                          "$hf_mig$", "NtUninstallKB2$", "$NtUninstal"};

    (void)state;
    assert_int_equal(kb_hive_update_set_new(&set, &err), KB_OK);
    assert_int_equal(kb_hive_update_set_add_registry(set, hive, &err), KB_OK);
    assert_int_equal(kb_hive_update_set_add_folder(set, "\\WINDOWS", "$NtUninstallKB973917$",
                                                   &matched, &err), KB_OK);
    assert_true(matched);
    assert_int_equal(kb_hive_update_set_add_folder(set, "\\WINDOWS",
                                                   "$ntuninstallkb973917-v2$", &matched, &err),
                     KB_OK);
    assert_true(matched);
    assert_int_equal(kb_hive_update_set_add_folder(set, "\\WINDOWS\\", "$NtUninstallKB2$",
                                                   &matched, &err), KB_OK);
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        assert_int_equal(kb_hive_update_set_add_folder(set, "\\WINDOWS", ignored[i], &matched,
                                                       &err), KB_OK);
        assert_false(matched);
    }
    /* hostile names: control characters become '?', long ids are cut */
    assert_int_equal(kb_hive_update_set_add_folder(set, "\\WINDOWS", "$NtUninstallKB9\x1b[2J$",
                                                   &matched, &err), KB_OK);
    assert_int_equal(kb_hive_update_set_add_folder(
                         set, "\\WINDOWS",
                         "$NtUninstallKB0123456789012345678901234567890123456789012345678901"
                         "234567890123456789$", &matched, &err), KB_OK);
    assert_int_equal(kb_hive_update_set_finish(set, &list, &count, &err), KB_OK);

    u = find_update(list, count, "KB973917");
    assert_int_equal(u->seen, KB_SEEN_UPDATES | KB_SEEN_HOTFIX | KB_SEEN_NTUNINSTALL);
    assert_string_equal(u->where[KB_WHERE_NTUNINSTALL], "\\WINDOWS\\$NtUninstallKB973917$");
    u = find_update(list, count, "KB973917-v2");
    assert_int_equal(u->seen, KB_SEEN_HOTFIX | KB_SEEN_UNINSTALL | KB_SEEN_NTUNINSTALL);
    assert_string_equal(u->where[KB_WHERE_NTUNINSTALL], "\\WINDOWS\\$ntuninstallkb973917-v2$");
    u = find_update(list, count, "KB2");
    assert_int_equal(u->seen, KB_SEEN_NTUNINSTALL);
    assert_string_equal(u->where[KB_WHERE_NTUNINSTALL], "\\WINDOWS\\$NtUninstallKB2$");
    u = find_update(list, count, "KB9?[2J");
    assert_string_equal(u->where[KB_WHERE_NTUNINSTALL], "\\WINDOWS\\$NtUninstallKB9?[2J$");
    u = find_update(list, count, "KB0123456789012345678901234567890123456789012345678901234567"
                                 "890");
    assert_int_equal(strlen(u->id), KB_UPDATE_ID_BYTES - 1);
    assert_int_equal(count, 9 + 3);
    assert_string_equal(kb_hive_update_where_label(KB_WHERE_NTUNINSTALL), "$NtUninstall");
    free(list);
    kb_hive_close(hive);
}

static void test_kb_hive_update_set_finish_empty(void **state)
{
    kb_hive_update_set *set = NULL;
    kb_hive_update *list = (kb_hive_update *)&list;
    size_t count = 5;
    kb_error err;

    (void)state;
    assert_int_equal(kb_hive_update_set_new(&set, &err), KB_OK);
    assert_int_equal(kb_hive_update_set_finish(set, &list, &count, &err), KB_OK);
    assert_null(list);
    assert_int_equal(count, 0);
    kb_hive_update_set_free(NULL);
}

static void test_kb_hive_update_set_limit(void **state)
{
    kb_hive_update_set *set = NULL;
    char name[64];
    kb_status status = KB_OK;
    kb_error err;
    int i;

    (void)state;
    assert_int_equal(kb_hive_update_set_new(&set, &err), KB_OK);
    for (i = 0; i <= KB_MAX_UPDATES && status == KB_OK; i++) {
        snprintf(name, sizeof(name), "$NtUninstallKB%d$", 100000 + i);
        status = kb_hive_update_set_add_folder(set, "\\WINDOWS", name, NULL, &err);
    }
    assert_int_equal(status, KB_ERR_LIMIT);
    assert_int_equal(i, KB_MAX_UPDATES + 1);
    assert_non_null(strstr(err.message, "KB_MAX_UPDATES"));
    /* a known id still merges at the cap */
    assert_int_equal(kb_hive_update_set_add_folder(set, "\\WINDOWS", "$NtUninstallkb100000$",
                                                   NULL, &err), KB_OK);
    kb_hive_update_set_free(set);
}

/* ---------------------------------------------------------------------------------------
 * Damaged hives: one field each. Every case must give an error status; none may crash.
 * ------------------------------------------------------------------------------------- */

/* Opens `data` and, when that works, does everything a caller would. Returns the first
 * failure, KB_OK when all of it worked. */
static kb_status workload(const uint8_t *data, size_t size)
{
    kb_hive *hive = NULL;
    kb_hive_update *list = NULL;
    size_t count = 0;
    char text[128];
    uint32_t number;
    bool exists;
    names n;
    kb_status status, first;
    kb_error err;

    kb_error_clear(&err);
    first = kb_hive_open_memory(data, size, "SOFTWARE", &hive, &err);
    if (first != KB_OK) {
        assert_null(hive);
        assert_true(err.message[0] != '\0');
        return first;
    }
    status = kb_hive_get_string(hive, CV, "CSDVersion", text, sizeof(text), &err);
    first = first != KB_OK ? first : status;
    status = kb_hive_get_dword(hive, "Microsoft\\InetStp", "MajorVersion", &number, &err);
    first = first != KB_OK ? first : status;
    status = kb_hive_key_exists(hive, "Microsoft\\Windows\\CurrentVersion\\Uninstall", &exists,
                                &err);
    first = first != KB_OK ? first : status;
    memset(&n, 0, sizeof(n));
    status = kb_hive_subkeys(hive, "Microsoft\\Updates", collect, &n, &err);
    first = first != KB_OK ? first : status;
    status = registry_updates(hive, &list, &count, &err);
    first = first != KB_OK ? first : status;
    if (status == KB_OK)
        free(list);
    kb_hive_close(hive);
    return first;
}

static void expect_damage_reported(const uint8_t *data, size_t size)
{
    assert_int_not_equal(workload(data, size), KB_OK);
}

static void test_kb_hive_open_memory_baseline_workload(void **state)
{
    (void)state;
    assert_int_equal(workload(software_hive.data, software_hive.size), KB_OK);
}

static void test_kb_hive_open_memory_bad_signature(void **state)
{
    uint8_t *data = copy_of(&software_hive);
    kb_hive *hive = NULL;
    kb_error err;

    (void)state;
    memcpy(data, "regx", 4);
    fix_checksum(data);
    assert_int_equal(kb_hive_open_memory(data, software_hive.size, "SOFTWARE", &hive, &err),
                     KB_ERR_CORRUPT);
    assert_null(hive);
    assert_non_null(strstr(err.message, "opening hive: SOFTWARE: libregf: "));
    assert_non_null(strstr(err.message, "signature"));
    free(data);
}

static void test_kb_hive_open_memory_bad_checksum(void **state)
{
    uint8_t *data = copy_of(&software_hive);
    kb_hive *hive = NULL;
    kb_error err;

    (void)state;
    data[0x1fc] ^= 0x40;
    assert_int_equal(kb_hive_open_memory(data, software_hive.size, "SOFTWARE", &hive, &err),
                     KB_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "checksum"));
    free(data);
}

static void test_kb_hive_open_memory_hbin_size_past_end(void **state)
{
    uint8_t *data = copy_of(&software_hive);

    (void)state;
    put32(data + 0x1000 + 8, 0x7fff0000u);
    expect_damage_reported(data, software_hive.size);
    /* the base block's total of hbin bytes past the end of the file */
    memcpy(data, software_hive.data, software_hive.size);
    put32(data + 0x28, 0x7fff0000u);
    fix_checksum(data);
    expect_damage_reported(data, software_hive.size);
    /* the root cell offset past the end */
    memcpy(data, software_hive.data, software_hive.size);
    put32(data + 0x24, (uint32_t)software_hive.size);
    fix_checksum(data);
    expect_damage_reported(data, software_hive.size);
    free(data);
}

static void test_kb_hive_open_memory_truncated(void **state)
{
    uint8_t *data = copy_of(&software_hive);
    size_t points = 0;

    (void)state;
    /* every 64 bytes and the bytes around each 4 KiB page boundary */
    for (size_t cut = 0; cut < software_hive.size; cut += (cut % 4096 < 4095 ? 63 : 1)) {
        uint8_t *part = malloc(cut > 0 ? cut : 1);

        assert_non_null(part);
        memcpy(part, data, cut);
        if (workload(part, cut) == KB_OK)
            fail_msg("truncation at %zu of %zu went unnoticed", cut, software_hive.size);
        free(part);
        points++;
    }
    assert_true(points > 200);
    free(data);
}

/* The Updates key's sub-key list names Updates itself: Updates\Updates\Updates... The walk
 * is three levels deep, so this costs visits, never a hang. */
static void test_kb_hive_open_memory_subkey_list_loop(void **state)
{
    uint8_t *data = copy_of(&software_hive);
    size_t updates = find_nk(data, software_hive.size, "Updates");
    size_t list = cell_data_of(get32(data + updates + 0x1c));
    kb_hive *hive;
    kb_hive_update *out = NULL;
    size_t count = 0;
    kb_error err;
    kb_status status;

    (void)state;
    assert_true(memcmp(data + list, "lh", 2) == 0 || memcmp(data + list, "lf", 2) == 0);
    put32(data + list + 4, (uint32_t)relative_of(updates));
    blob damaged = {data, software_hive.size};
    hive = open_blob(&damaged, "SOFTWARE");
    status = registry_updates(hive, &out, &count, &err);
    /* libregf may accept the loop (then the walk ends by depth) or refuse it */
    if (status == KB_OK)
        free(out);
    else
        assert_true(err.message[0] != '\0');
    kb_hive_close(hive);
    free(data);
}

/* Updates' sub-key list offset points at Updates' own nk cell: not a list. */
static void test_kb_hive_open_memory_nk_points_at_itself(void **state)
{
    uint8_t *data = copy_of(&software_hive);
    size_t updates = find_nk(data, software_hive.size, "Updates");

    (void)state;
    put32(data + updates + 0x1c, (uint32_t)relative_of(updates));
    expect_damage_reported(data, software_hive.size);
    free(data);
}

/* The list becomes an index root ("ri") whose one entry is itself: endless recursion unless
 * the parser guards it. */
static void test_kb_hive_open_memory_index_root_loop(void **state)
{
    uint8_t *data = copy_of(&software_hive);
    size_t updates = find_nk(data, software_hive.size, "Updates");
    uint32_t list_offset = get32(data + updates + 0x1c);
    size_t list = cell_data_of(list_offset);

    (void)state;
    kb_hive *hive = NULL;
    kb_error err;

    memcpy(data + list, "ri", 2);
    data[list + 2] = 1;
    data[list + 3] = 0;
    put32(data + list + 4, list_offset);
    /* refused at open, before libregf recurses (hive.c: the index-root check) */
    assert_int_equal(kb_hive_open_memory(data, software_hive.size, "SOFTWARE", &hive, &err),
                     KB_ERR_CORRUPT);
    assert_null(hive);
    assert_non_null(strstr(err.message, "index root"));
    /* the entry counts more entries than its cell holds */
    data[list + 2] = 0xff;
    data[list + 3] = 0x7f;
    assert_int_equal(kb_hive_open_memory(data, software_hive.size, "SOFTWARE", &hive, &err),
                     KB_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "entries"));
    free(data);
}

/* The same Updates key reached through a legitimate index root (ri -> lh, as Windows writes
 * for keys with many sub-keys) is read normally: the check refuses loops, not index roots. */
static void test_kb_hive_open_memory_index_root_valid(void **state)
{
    uint8_t *data = copy_of(&software_hive);
    size_t updates = find_nk(data, software_hive.size, "Updates");
    uint32_t list_offset = get32(data + updates + 0x1c);
    size_t free_cell = find_free_cell(data, software_hive.size, 32);
    uint32_t free_size = get32(data + free_cell);
    kb_hive_update *list = NULL;
    size_t count = 0;
    kb_hive *hive;
    kb_error err;

    (void)state;
    /* carve a 16-byte "ri" cell with one entry (the old lh list) from the free cell */
    put32(data + free_cell, (uint32_t)-16);
    memcpy(data + free_cell + 4, "ri", 2);
    data[free_cell + 6] = 1;
    data[free_cell + 7] = 0;
    put32(data + free_cell + 8, list_offset);
    put32(data + free_cell + 12, 0);
    put32(data + free_cell + 16, free_size - 16);
    put32(data + updates + 0x1c, (uint32_t)(free_cell - 0x1000));
    blob patched = {data, software_hive.size};
    hive = open_blob(&patched, "SOFTWARE");
    assert_int_equal(registry_updates(hive, &list, &count, &err), KB_OK);
    assert_int_equal(count, 9);
    assert_int_equal(find_update(list, count, "KB973917")->seen,
                     KB_SEEN_UPDATES | KB_SEEN_HOTFIX);
    free(list);
    kb_hive_close(hive);
    free(data);
}

/* One byte at a time, every 13th byte of the hive inverted: no crash, no leak, whatever the
 * status. A cheap stand-in for the fuzzer, run on every build. */
static void test_kb_hive_open_memory_byte_flips(void **state)
{
    uint8_t *data = copy_of(&software_hive);

    (void)state;
    for (size_t i = 0; i < software_hive.size; i += 13) {
        data[i] ^= 0xff;
        (void)workload(data, software_hive.size);
        data[i] ^= 0xff;
    }
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kb_hive_open_memory_valid),
        cmocka_unit_test(test_kb_hive_open_memory_arguments),
        cmocka_unit_test(test_kb_hive_open_source_too_large),
        cmocka_unit_test(test_kb_hive_open_source_read_error),
        cmocka_unit_test(test_kb_hive_get_string_values),
        cmocka_unit_test(test_kb_hive_get_string_case_insensitive),
        cmocka_unit_test(test_kb_hive_get_string_default_value),
        cmocka_unit_test(test_kb_hive_get_string_not_found),
        cmocka_unit_test(test_kb_hive_get_string_wrong_type),
        cmocka_unit_test(test_kb_hive_get_string_odd_data),
        cmocka_unit_test(test_kb_hive_get_string_too_small),
        cmocka_unit_test(test_kb_hive_get_dword_values),
        cmocka_unit_test(test_kb_hive_get_dword_errors),
        cmocka_unit_test(test_kb_hive_subkeys_lists),
        cmocka_unit_test(test_kb_hive_key_exists_cases),
        cmocka_unit_test(test_kb_hive_current_control_set_cases),
        cmocka_unit_test(test_kb_hive_update_set_registry),
        cmocka_unit_test(test_kb_hive_update_set_add_folder_merges),
        cmocka_unit_test(test_kb_hive_update_set_finish_empty),
        cmocka_unit_test(test_kb_hive_update_set_limit),
        cmocka_unit_test(test_kb_hive_open_memory_baseline_workload),
        cmocka_unit_test(test_kb_hive_open_memory_bad_signature),
        cmocka_unit_test(test_kb_hive_open_memory_bad_checksum),
        cmocka_unit_test(test_kb_hive_open_memory_hbin_size_past_end),
        cmocka_unit_test(test_kb_hive_open_memory_truncated),
        cmocka_unit_test(test_kb_hive_open_memory_subkey_list_loop),
        cmocka_unit_test(test_kb_hive_open_memory_nk_points_at_itself),
        cmocka_unit_test(test_kb_hive_open_memory_index_root_loop),
        cmocka_unit_test(test_kb_hive_open_memory_index_root_valid),
        cmocka_unit_test(test_kb_hive_open_memory_byte_flips),
    };

    return cmocka_run_group_tests_name("hive", tests, load_all, free_all);
}
