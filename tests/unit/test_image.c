/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_image.c - kb_image over the containers mkevidence.sh makes from one MBR disk (raw,
 * split raw, VHD, VHDX, VMDK, QCOW2, E01), checked against the raw bytes; QCOW2 and VMDK
 * differencing chains (child first, the child's clusters used, a missing parent, parent names
 * that would leave the image's directory); the parent-name rule; path errors; bounded reads;
 * the counting wrapper; memory images; and that the evidence is held open read-only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "evidence_test.h"
#include "hive/hive.h"
#include "image/container.h"
#include "image/image.h"

#define MBR_SIZE (72u * 1024u * 1024u)
#define PART1 (1024u * 1024u)

static uint8_t raw_block[4096];

static int setup(void **state)
{
    FILE *f = fopen(evidence_path("mbr.raw"), "rb");

    (void)state;
    if (f == NULL)
        return -1;
    if (fseek(f, (long)PART1, SEEK_SET) != 0 || fread(raw_block, 1, sizeof(raw_block), f) !=
                                                     sizeof(raw_block)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

static void check_container(const char *name, const char *format, unsigned segments,
                            uint64_t min_size)
{
    kb_image *image = NULL;
    kb_error err;
    uint8_t block[4096], mbr[512];
    kb_io_stats stats;

    kb_error_clear(&err);
    if (kb_image_open(evidence_path(name), &image, &err) != KB_OK)
        fail_msg("%s", err.message);
    assert_string_equal(kb_image_format(image), format);
    assert_int_equal(kb_image_segment_count(image), segments);
    assert_true(kb_image_size(image) >= min_size);
    assert_string_equal(kb_image_path(image), evidence_path(name));
    assert_int_equal(kb_image_read(image, 0, mbr, sizeof(mbr), &err), KB_OK);
    assert_int_equal(mbr[510], 0x55);
    assert_int_equal(mbr[511], 0xAA);
    assert_int_equal(kb_image_read(image, PART1, block, sizeof(block), &err), KB_OK);
    assert_memory_equal(block, raw_block, sizeof(block));
    kb_image_io_stats(image, &stats);
    assert_true(stats.read_calls >= 1);
    assert_true(stats.bytes_read >= sizeof(block) + sizeof(mbr));
    assert_non_null(kb_image_tsk_handle(image));
    kb_image_close(image);
}

static void test_kb_image_open_raw(void **state)
{
    (void)state;
    check_container("mbr.raw", "raw", 1, MBR_SIZE);
}

static void test_kb_image_open_split_raw(void **state)
{
    (void)state;
    check_container("mbr.raw.001", "split-raw", 5, MBR_SIZE);
}

static void test_kb_image_open_vhd(void **state)
{
    (void)state;
    /* qemu-img rounds a VHD up to its CHS geometry */
    check_container("mbr.vhd", "vhd", 1, MBR_SIZE);
}

static void test_kb_image_open_vhdx(void **state)
{
    (void)state;
    check_container("mbr.vhdx", "vhdx", 1, MBR_SIZE);
}

static void test_kb_image_open_vmdk(void **state)
{
    (void)state;
    check_container("mbr.vmdk", "vmdk", 1, MBR_SIZE);
}

static void test_kb_image_open_ewf(void **state)
{
    (void)state;
    check_container("mbr.E01", "ewf", 1, MBR_SIZE);
}

static void test_kb_image_open_qcow2(void **state)
{
    size_t count = 0;
    kb_image *image = NULL;
    kb_error err;
    const char *const *chain;

    (void)state;
    check_container("mbr.qcow2", "qcow2", 1, MBR_SIZE);
    assert_int_equal(kb_image_open(evidence_path("mbr.qcow2"), &image, &err), KB_OK);
    chain = kb_image_chain(image, &count);
    assert_int_equal(count, 1);
    assert_string_equal(chain[0], evidence_path("mbr.qcow2"));
    kb_image_close(image);
}

static void test_kb_image_chain_single(void **state)
{
    size_t count = 0;
    kb_image *image = NULL;
    kb_error err;
    const char *const *chain;

    (void)state;
    /* split raw and E01 segments are not a chain: the path alone */
    assert_int_equal(kb_image_open(evidence_path("mbr.raw.001"), &image, &err), KB_OK);
    chain = kb_image_chain(image, &count);
    assert_int_equal(count, 1);
    assert_string_equal(chain[0], evidence_path("mbr.raw.001"));
    kb_image_close(image);
    assert_null(kb_image_chain(NULL, &count));
    assert_int_equal(count, 0);
}

/* A child over an older parent: read as a chain it is mbr.raw, the parent alone is not. */
static void check_chain(const char *child, const char *parent, const char *format)
{
    char child_path[4096], parent_path[4096];
    kb_image *image = NULL;
    kb_error err;
    uint8_t block[4096];
    const char *const *chain;
    size_t count = 0;

    snprintf(child_path, sizeof(child_path), "%s", evidence_path(child));
    snprintf(parent_path, sizeof(parent_path), "%s", evidence_path(parent));
    check_container(child, format, 1, MBR_SIZE);
    if (kb_image_open(child_path, &image, &err) != KB_OK)
        fail_msg("%s", err.message);
    chain = kb_image_chain(image, &count);
    assert_int_equal(count, 2);
    assert_string_equal(chain[0], child_path);
    assert_string_equal(chain[1], parent_path);
    kb_image_close(image);

    /* the parent alone: the block the child changed reads as the older zeros */
    assert_int_equal(kb_image_open(parent_path, &image, &err), KB_OK);
    assert_int_equal(kb_image_read(image, PART1, block, sizeof(block), &err), KB_OK);
    for (size_t i = 0; i < sizeof(block); i++)
        assert_int_equal(block[i], 0);
    assert_int_not_equal(memcmp(block, raw_block, sizeof(block)), 0);
    kb_image_close(image);
}

static void test_kb_image_open_qcow2_chain(void **state)
{
    (void)state;
    check_chain("newer.qcow2", "older.qcow2", "qcow2");
}

static void test_kb_image_open_vmdk_chain(void **state)
{
    (void)state;
    check_chain("newer.vmdk", "older.vmdk", "vmdk");
}

static void test_kb_image_open_missing_parent(void **state)
{
    kb_image *image = (kb_image *)&image;
    kb_error err;

    (void)state;
    assert_int_equal(kb_image_open(evidence_path("orphan.qcow2"), &image, &err),
                     KB_ERR_NOT_FOUND);
    assert_null(image);
    assert_non_null(strstr(err.message, "orphan.qcow2: parent image "));
    assert_non_null(strstr(err.message, "gone.qcow2 not found (named \"gone.qcow2\""));
    assert_null(strchr(err.message, '\n'));
}

static void test_kb_image_open_parent_outside(void **state)
{
    kb_image *image = (kb_image *)&image;
    kb_error err;

    (void)state;
    assert_int_equal(kb_image_open(evidence_path("escape.qcow2"), &image, &err),
                     KB_ERR_ARGUMENT);
    assert_null(image);
    assert_non_null(strstr(err.message, "escape.qcow2: parent name \"../mbr.qcow2\" leaves"));
    image = (kb_image *)&image;
    assert_int_equal(kb_image_open(evidence_path("absolute.qcow2"), &image, &err),
                     KB_ERR_ARGUMENT);
    assert_null(image);
    assert_non_null(strstr(err.message, "is absolute or not a file name"));
    /* a VMDK descriptor's extent file names are host paths from the image too */
    image = (kb_image *)&image;
    assert_int_equal(kb_image_open(evidence_path("escape.vmdk"), &image, &err),
                     KB_ERR_UNSUPPORTED);
    assert_null(image);
    assert_non_null(strstr(err.message, "extent file name \"../mbr.raw\" leaves"));
}

static void test_kb_image_open_chain_loop(void **state)
{
    kb_image *image = (kb_image *)&image;
    kb_error err;

    (void)state;
    assert_int_equal(kb_image_open(evidence_path("loop.qcow2"), &image, &err), KB_ERR_CORRUPT);
    assert_null(image);
    assert_non_null(strstr(err.message, "differencing chain loops"));
}

static void test_kb_image_open_wrong_parent(void **state)
{
    kb_image *image = (kb_image *)&image;
    kb_error err;

    (void)state;
    assert_int_equal(kb_image_open(evidence_path("cid-child.vmdk"), &image, &err),
                     KB_ERR_CORRUPT);
    assert_null(image);
    assert_non_null(strstr(err.message, "cid-parent.vmdk does not belong to"));
    assert_non_null(strstr(err.message, "is not the parentCID"));
}

static void accept_name(const char *declared_by, const char *name, bool windows, const char *want)
{
    char out[KB_MAX_PATH_BYTES];
    kb_error err;

    kb_error_clear(&err);
    if (kb_container_parent_path(declared_by, name, windows, out, sizeof(out), &err) != KB_OK)
        fail_msg("%s refused: %s", name, err.message);
    assert_string_equal(out, want);
}

static void refuse_name(const char *name, bool windows, const char *says)
{
    char out[KB_MAX_PATH_BYTES];
    kb_error err;

    kb_error_clear(&err);
    assert_int_equal(kb_container_parent_path("/evidence/child.img", name, windows, out,
                                              sizeof(out), &err),
                     KB_ERR_ARGUMENT);
    assert_string_equal(out, "");
    assert_non_null(strstr(err.message, "/evidence/child.img: "));
    if (strstr(err.message, says) == NULL)
        fail_msg("%s: message %s lacks %s", name, err.message, says);
}

static void test_kb_container_parent_path_rule(void **state)
{
    char long_name[KB_MAX_PATH_BYTES + 10];

    (void)state;
    accept_name("/evidence/child.qcow2", "base.qcow2", false, "/evidence/base.qcow2");
    accept_name("child.qcow2", "base.qcow2", false, "base.qcow2");
    accept_name("dir/child.qcow2", "snap/base.qcow2", false, "dir/snap/base.qcow2");
    accept_name("/child.vmdk", "base.vmdk", false, "/base.vmdk");
    accept_name("/evidence/child.vhdx", ".\\base.vhdx", true, "/evidence/base.vhdx");
    accept_name("/evidence/child.vhd", "old\\base.vhd", true, "/evidence/old/base.vhd");
    refuse_name("", false, "empty parent file name");
    refuse_name("/etc/shadow", false, "is absolute");
    refuse_name("../base.qcow2", false, "leaves the image's directory");
    refuse_name("snap/../../base.qcow2", false, "leaves the image's directory");
    refuse_name("..\\base.vhd", true, "leaves the image's directory");
    refuse_name("C:\\VMs\\base.vhd", true, "is absolute");
    refuse_name("\\\\server\\share\\base.vhd", true, "is absolute");
    refuse_name("nbd://host:10809/disk", false, "is absolute");
    refuse_name("json:{\"driver\":\"file\"}", false, "is absolute");
    refuse_name("base\n.qcow2", false, "control characters");
    refuse_name("snap/", false, "names no file");
    refuse_name(".", false, "names no file");
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    refuse_name(long_name, false, "longer than");
}

/*
 * libewf, libqcow and libvhdi each carry a libbfio (third_party/CMakeLists.txt): an E01, a
 * QCOW2 chain, a VMDK and a hive (libregf over the system libbfio) used together in one
 * process, interleaved, must each read right.
 */
static void test_kb_image_open_ewf_qcow2_hive_together(void **state)
{
    kb_image *ewf = NULL, *qcow = NULL, *vmdk = NULL;
    kb_hive *hive = NULL;
    kb_error err;
    uint8_t a[4096], b[4096], c[4096];
    FILE *f;
    uint8_t *data;
    long size;

    (void)state;
    assert_int_equal(kb_image_open(evidence_path("mbr.E01"), &ewf, &err), KB_OK);
    assert_int_equal(kb_image_open(evidence_path("newer.qcow2"), &qcow, &err), KB_OK);
    assert_int_equal(kb_image_open(evidence_path("newer.vmdk"), &vmdk, &err), KB_OK);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(kb_image_read(ewf, PART1, a, sizeof(a), &err), KB_OK);
        assert_int_equal(kb_image_read(qcow, PART1, b, sizeof(b), &err), KB_OK);
        assert_int_equal(kb_image_read(vmdk, PART1, c, sizeof(c), &err), KB_OK);
        assert_memory_equal(a, raw_block, sizeof(a));
        assert_memory_equal(b, raw_block, sizeof(b));
        assert_memory_equal(c, raw_block, sizeof(c));
    }
    /* a hive through libregf (over the system libbfio) while the three are open: the
     * SOFTWARE hive tests/unit/hive.cmake builds for test_hive */
    {
        char path[4096], version[64];
        const char *build = getenv("KB_BUILD_DIR");

        snprintf(path, sizeof(path), "%s/tests/unit/hive-data/software.hive",
                 build != NULL ? build : ".");
        f = fopen(path, "rb");
        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        size = ftell(f);
        assert_true(size > 0);
        rewind(f);
        data = malloc((size_t)size);
        assert_non_null(data);
        assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
        fclose(f);
        if (kb_hive_open_memory(data, (size_t)size, "software.hive", &hive, &err) != KB_OK)
            fail_msg("%s", err.message);
        assert_int_equal(kb_image_read(ewf, PART1, a, sizeof(a), &err), KB_OK);
        assert_int_equal(kb_hive_get_string(hive, "Microsoft\\Windows NT\\CurrentVersion",
                                            "CurrentVersion", version, sizeof(version), &err),
                         KB_OK);
        assert_string_equal(version, "5.2");
        assert_int_equal(kb_image_read(qcow, PART1, b, sizeof(b), &err), KB_OK);
        assert_memory_equal(b, raw_block, sizeof(b));
        kb_hive_close(hive);
        free(data);
    }
    assert_int_equal(kb_image_read(qcow, 0, a, 512, &err), KB_OK);
    assert_int_equal(a[510], 0x55);
    kb_image_close(vmdk);
    kb_image_close(qcow);
    kb_image_close(ewf);
}

static void test_kb_image_open_missing(void **state)
{
    kb_image *image = (kb_image *)&image;
    kb_error err;

    (void)state;
    assert_int_equal(kb_image_open("/nonexistent/disk.vhd", &image, &err), KB_ERR_NOT_FOUND);
    assert_null(image);
    assert_string_equal(err.message, "/nonexistent/disk.vhd: no such file");
}

static void test_kb_image_open_directory(void **state)
{
    kb_image *image = NULL;
    kb_error err;
    char message[4200];

    (void)state;
    assert_int_equal(kb_image_open(evidence_path(""), &image, &err), KB_ERR_ARGUMENT);
    assert_null(image);
    snprintf(message, sizeof(message), "%s: is a directory", evidence_path(""));
    assert_string_equal(err.message, message);
}

static void test_kb_image_open_empty(void **state)
{
    kb_image *image = NULL;
    kb_error err;

    (void)state;
    assert_int_equal(kb_image_open("/dev/null", &image, &err), KB_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "not a regular file"));
}

static void test_kb_image_read_past_end(void **state)
{
    kb_image *image = NULL;
    kb_error err;
    uint8_t buf[16];

    (void)state;
    assert_int_equal(kb_image_open(evidence_path("random.raw"), &image, &err), KB_OK);
    assert_int_equal(kb_image_size(image), 1u << 20);
    assert_int_equal(kb_image_read(image, (1u << 20) - 8, buf, sizeof(buf), &err), KB_ERR_IO);
    assert_non_null(strstr(err.message, "offset 0xffff8"));
    assert_non_null(strstr(err.message, "random.raw"));
    assert_int_equal(kb_image_read(image, UINT64_MAX, buf, 1, &err), KB_ERR_IO);
    assert_int_equal(kb_image_read(image, (1u << 20) - 16, buf, sizeof(buf), &err), KB_OK);
    assert_int_equal(kb_image_read(image, 0, NULL, 1, &err), KB_ERR_ARGUMENT);
    kb_image_close(image);
}

/* Every descriptor the process holds on the image must be open O_RDONLY (libtsk's raw.c
 * and libyal's libcfile open with O_RDONLY for read access; this checks it through /proc
 * rather than trusting it). `name` is opened; descriptors whose target contains `match` are
 * checked; at least `want` must be found. */
static void check_read_only(const char *name, const char *match, int want)
{
    kb_image *image = NULL;
    kb_error err;
    char link[300], target[4096], info[300], line[256];
    struct dirent *ent;
    DIR *dir;
    int found = 0;

    assert_int_equal(kb_image_open(evidence_path(name), &image, &err), KB_OK);
    assert_int_equal(kb_image_read(image, MBR_SIZE - 512, line, 16, &err), KB_OK);
    dir = opendir("/proc/self/fd");
    assert_non_null(dir);
    while ((ent = readdir(dir)) != NULL) {
        ssize_t n;
        FILE *f;

        if (ent->d_name[0] == '.')
            continue;
        snprintf(link, sizeof(link), "/proc/self/fd/%s", ent->d_name);
        n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (strstr(target, match) == NULL)
            continue;
        snprintf(info, sizeof(info), "/proc/self/fdinfo/%s", ent->d_name);
        f = fopen(info, "r");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f) != NULL) {
            if (strncmp(line, "flags:", 6) == 0) {
                unsigned long flags = strtoul(line + 6, NULL, 8);

                assert_int_equal(flags & O_ACCMODE, O_RDONLY);
                found++;
            }
        }
        fclose(f);
    }
    closedir(dir);
    assert_true(found >= want);
    kb_image_close(image);
}

static void test_kb_image_open_read_only(void **state)
{
    (void)state;
    check_read_only("mbr.raw.001", "evidence-data/mbr.raw.00", 1);
    /* a chain: the child and its parent */
    check_read_only("newer.qcow2", "evidence-data/newer.qcow2", 1);
    check_read_only("newer.qcow2", "evidence-data/older.qcow2", 1);
    check_read_only("newer.vmdk", "evidence-data/older.vmdk", 1);
}

static void test_kb_image_open_memory(void **state)
{
    static uint8_t disk[8192];
    kb_image *image = NULL;
    kb_error err;
    kb_io_stats stats;
    uint8_t buf[100];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(disk); i++)
        disk[i] = (uint8_t)(i * 7);
    assert_int_equal(kb_image_open_memory(disk, sizeof(disk), "fuzz", &image, &err), KB_OK);
    assert_string_equal(kb_image_format(image), "memory");
    assert_string_equal(kb_image_path(image), "fuzz");
    assert_int_equal(kb_image_size(image), sizeof(disk));
    assert_int_equal(kb_image_read(image, 1000, buf, sizeof(buf), &err), KB_OK);
    assert_memory_equal(buf, disk + 1000, sizeof(buf));
    kb_image_io_stats(image, &stats);
    assert_true(stats.read_calls >= 1);
    assert_true(stats.bytes_read >= sizeof(buf));
    assert_int_equal(kb_image_read(image, sizeof(disk), buf, 1, &err), KB_ERR_IO);
    kb_image_close(image);
    assert_int_equal(kb_image_open_memory(disk, 0, "empty", &image, &err), KB_ERR_CORRUPT);
    assert_null(image);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kb_image_open_raw),
        cmocka_unit_test(test_kb_image_open_split_raw),
        cmocka_unit_test(test_kb_image_open_vhd),
        cmocka_unit_test(test_kb_image_open_vhdx),
        cmocka_unit_test(test_kb_image_open_vmdk),
        cmocka_unit_test(test_kb_image_open_ewf),
        cmocka_unit_test(test_kb_image_open_qcow2),
        cmocka_unit_test(test_kb_image_chain_single),
        cmocka_unit_test(test_kb_image_open_qcow2_chain),
        cmocka_unit_test(test_kb_image_open_vmdk_chain),
        cmocka_unit_test(test_kb_image_open_missing_parent),
        cmocka_unit_test(test_kb_image_open_parent_outside),
        cmocka_unit_test(test_kb_image_open_chain_loop),
        cmocka_unit_test(test_kb_image_open_wrong_parent),
        cmocka_unit_test(test_kb_container_parent_path_rule),
        cmocka_unit_test(test_kb_image_open_ewf_qcow2_hive_together),
        cmocka_unit_test(test_kb_image_open_missing),
        cmocka_unit_test(test_kb_image_open_directory),
        cmocka_unit_test(test_kb_image_open_empty),
        cmocka_unit_test(test_kb_image_read_past_end),
        cmocka_unit_test(test_kb_image_open_read_only),
        cmocka_unit_test(test_kb_image_open_memory),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
