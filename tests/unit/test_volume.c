/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_volume.c - partitions of the mkevidence.sh images, against mmls: MBR with a logical
 * partition, GPT, a bare volume; and hostile tables: a table past the end, a truncated disk,
 * random bytes, a zeroed boot sector, a crafted MBR in memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "evidence_test.h"
#include "fs/fs.h"
#include "volume/volume.h"

#define MIB (1024u * 1024u)

typedef struct opened {
    kb_image *image;
    kb_volumes *volumes;
} opened;

static kb_status open_volumes(const char *name, opened *o, kb_error *err)
{
    kb_status status;

    o->image = NULL;
    o->volumes = NULL;
    status = kb_image_open(evidence_path(name), &o->image, err);
    if (status == KB_OK)
        status = kb_volumes_open(o->image, &o->volumes, err);
    return status;
}

static void close_volumes(opened *o)
{
    kb_volumes_close(o->volumes);
    kb_image_close(o->image);
}

static void test_kb_volumes_open_mbr(void **state)
{
    const kb_partition *p;
    kb_error err;
    opened o;
    char command[4200];

    (void)state;
    assert_int_equal(open_volumes("mbr.raw", &o, &err), KB_OK);
    assert_int_equal(kb_volumes_count(o.volumes), 2);
    p = kb_volumes_get(o.volumes, 0);
    assert_int_equal(p->index, 1);
    assert_string_equal(p->scheme, "mbr");
    assert_int_equal(p->offset, 1 * MIB);
    assert_int_equal(p->length, 32 * MIB);
    assert_true(p->ntfs);
    assert_false(p->beyond_image);
    assert_string_equal(p->description, "NTFS / exFAT (0x07)");
    p = kb_volumes_get(o.volumes, 1);
    assert_int_equal(p->index, 2);
    assert_int_equal(p->offset, 35 * MIB);
    assert_true(p->ntfs);
    assert_null(kb_volumes_get(o.volumes, 2));
    assert_string_equal(kb_volumes_image_path(o.volumes), evidence_path("mbr.raw"));
    assert_ptr_equal(kb_volumes_tsk_handle(o.volumes), kb_image_tsk_handle(o.image));
    /* mmls agrees on the start of the logical partition (sectors) */
    snprintf(command, sizeof(command),
             "mmls '%s' | awk '$2 ~ /^001:/ {print $3 + 0}'", evidence_path("mbr.raw"));
    assert_string_equal(evidence_run(command), "71680");
    close_volumes(&o);
}

static void test_kb_volumes_open_gpt(void **state)
{
    const kb_partition *p;
    kb_error err;
    opened o;

    (void)state;
    assert_int_equal(open_volumes("gpt.raw", &o, &err), KB_OK);
    assert_int_equal(kb_volumes_count(o.volumes), 1);
    p = kb_volumes_get(o.volumes, 0);
    assert_string_equal(p->scheme, "gpt");
    assert_int_equal(p->offset, 1 * MIB);
    assert_int_equal(p->length, 32 * MIB);
    assert_true(p->ntfs);
    close_volumes(&o);
}

static void test_kb_volumes_open_bare(void **state)
{
    const kb_partition *p;
    kb_error err;
    opened o;

    (void)state;
    assert_int_equal(open_volumes("bare.raw", &o, &err), KB_OK);
    assert_int_equal(kb_volumes_count(o.volumes), 1);
    p = kb_volumes_get(o.volumes, 0);
    assert_int_equal(p->index, 0);
    assert_int_equal(p->offset, 0);
    assert_int_equal(p->length, 32 * MIB);
    assert_string_equal(p->scheme, "none");
    assert_true(p->ntfs);
    close_volumes(&o);
}

static void test_kb_volumes_open_containers(void **state)
{
    static const char *const names[] = {"mbr.raw.001", "mbr.vhd", "mbr.vhdx", "mbr.vmdk",
                                        "mbr.E01"};
    kb_error err;
    opened o;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_int_equal(open_volumes(names[i], &o, &err), KB_OK);
        assert_int_equal(kb_volumes_count(o.volumes), 2);
        assert_int_equal(kb_volumes_get(o.volumes, 1)->offset, 35 * MIB);
        assert_true(kb_volumes_get(o.volumes, 1)->ntfs);
        close_volumes(&o);
    }
}

/* pastend.raw: the first MBR entry starts at 512 MiB in a 4 MiB image. */
static void test_kb_volumes_open_table_past_end(void **state)
{
    kb_error err;
    opened o;

    (void)state;
    assert_int_equal(open_volumes("pastend.raw", &o, &err), KB_ERR_CORRUPT);
    assert_null(o.volumes);
    assert_non_null(strstr(err.message, "pastend.raw: "));
    assert_non_null(strstr(err.message, "outside the image"));
    close_volumes(&o);
}

/* truncated.raw: mbr.raw cut at 50 MiB. Partition 1 is whole; logical partition 5 (35 MiB,
 * 32 MiB long) runs past the end: listed, flagged, and refused by kb_fs_open. */
static void test_kb_volumes_open_truncated(void **state)
{
    const kb_partition *p;
    kb_fs *fs = NULL;
    kb_error err;
    opened o;

    (void)state;
    assert_int_equal(open_volumes("truncated.raw", &o, &err), KB_OK);
    assert_int_equal(kb_volumes_count(o.volumes), 2);
    p = kb_volumes_get(o.volumes, 0);
    assert_false(p->beyond_image);
    assert_true(p->ntfs);
    p = kb_volumes_get(o.volumes, 1);
    assert_true(p->beyond_image);
    assert_false(p->ntfs);
    assert_int_equal(kb_fs_open(o.volumes, p, &fs, &err), KB_ERR_CORRUPT);
    assert_null(fs);
    assert_non_null(strstr(err.message, "truncated.raw: partition 2: "));
    assert_non_null(strstr(err.message, "outside the image"));
    close_volumes(&o);
}

static void test_kb_volumes_open_random(void **state)
{
    const kb_partition *p;
    kb_fs *fs = NULL;
    kb_error err;
    opened o;

    (void)state;
    assert_int_equal(open_volumes("random.raw", &o, &err), KB_OK);
    assert_int_equal(kb_volumes_count(o.volumes), 1);
    p = kb_volumes_get(o.volumes, 0);
    assert_string_equal(p->scheme, "none");
    assert_false(p->ntfs);
    assert_int_equal(kb_fs_open(o.volumes, p, &fs, &err), KB_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "random.raw: partition 0: not an NTFS"));
    close_volumes(&o);
}

static void test_kb_volumes_open_zeroed_boot_sector(void **state)
{
    kb_fs *fs = NULL;
    kb_error err;
    opened o;

    (void)state;
    assert_int_equal(open_volumes("zeroboot.raw", &o, &err), KB_OK);
    assert_int_equal(kb_volumes_count(o.volumes), 1);
    assert_false(kb_volumes_get(o.volumes, 0)->ntfs);
    assert_int_equal(kb_fs_open(o.volumes, kb_volumes_get(o.volumes, 0), &fs, &err),
                     KB_ERR_UNSUPPORTED);
    close_volumes(&o);
}

/* An MBR in memory whose second entry (a logical-free primary) runs past the end: libtsk
 * accepts it (it checks only starts), we flag it. */
static void test_kb_volumes_open_memory_entry_past_end(void **state)
{
    static uint8_t disk[64 * 1024];
    kb_image *image = NULL;
    kb_volumes *volumes = NULL;
    const kb_partition *p;
    kb_error err;

    (void)state;
    memset(disk, 0, sizeof(disk));
    /* entry 0: type 0x07, start LBA 1, 16 sectors; entry 1: type 0x07, start 32, 1000 */
    disk[446 + 4] = 0x07;
    disk[446 + 8] = 1;
    disk[446 + 12] = 16;
    disk[462 + 4] = 0x07;
    disk[462 + 8] = 32;
    disk[462 + 12] = 0xE8;
    disk[462 + 13] = 0x03;
    disk[510] = 0x55;
    disk[511] = 0xAA;
    memcpy(disk + 512 + 3, "NTFS    ", 8);
    assert_int_equal(kb_image_open_memory(disk, sizeof(disk), "crafted", &image, &err), KB_OK);
    assert_int_equal(kb_volumes_open(image, &volumes, &err), KB_OK);
    assert_int_equal(kb_volumes_count(volumes), 2);
    p = kb_volumes_get(volumes, 0);
    assert_int_equal(p->offset, 512);
    assert_true(p->ntfs);
    assert_false(p->beyond_image);
    p = kb_volumes_get(volumes, 1);
    assert_int_equal(p->offset, 32 * 512);
    assert_true(p->beyond_image);
    assert_false(p->ntfs);
    kb_volumes_close(volumes);
    kb_image_close(image);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kb_volumes_open_mbr),
        cmocka_unit_test(test_kb_volumes_open_gpt),
        cmocka_unit_test(test_kb_volumes_open_bare),
        cmocka_unit_test(test_kb_volumes_open_containers),
        cmocka_unit_test(test_kb_volumes_open_table_past_end),
        cmocka_unit_test(test_kb_volumes_open_truncated),
        cmocka_unit_test(test_kb_volumes_open_random),
        cmocka_unit_test(test_kb_volumes_open_zeroed_boot_sector),
        cmocka_unit_test(test_kb_volumes_open_memory_entry_past_end),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
