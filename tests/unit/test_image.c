/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_image.c - kb_image over the containers mkevidence.sh makes from one MBR disk (raw,
 * split raw, VHD, VHDX, VMDK, E01), checked against the raw bytes; path errors; bounded reads;
 * the counting wrapper; memory images; and that libtsk holds the evidence open read-only.
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
 * opens with O_RDONLY; this checks it through /proc rather than trusting it). */
static void test_kb_image_open_read_only(void **state)
{
    kb_image *image = NULL;
    kb_error err;
    char link[300], target[4096], info[300], line[256];
    struct dirent *ent;
    DIR *dir;
    int found = 0;

    (void)state;
    assert_int_equal(kb_image_open(evidence_path("mbr.raw.001"), &image, &err), KB_OK);
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
        if (strstr(target, "evidence-data/mbr.raw.00") == NULL)
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
    assert_true(found >= 1);
    kb_image_close(image);
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
        cmocka_unit_test(test_kb_image_open_missing),
        cmocka_unit_test(test_kb_image_open_directory),
        cmocka_unit_test(test_kb_image_open_empty),
        cmocka_unit_test(test_kb_image_read_past_end),
        cmocka_unit_test(test_kb_image_open_read_only),
        cmocka_unit_test(test_kb_image_open_memory),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
