/* SPDX-License-Identifier: Apache-2.0 */
/*
 * volume.c - partitions through libtsk's vs layer, read via the image's counting handle.
 *
 * Policy:
 *   - Only partitions libtsk flags TSK_VS_PART_FLAG_ALLOC are listed: table sectors, the
 *     extended-partition containers and unallocated gaps are flagged META or UNALLOC.
 *   - No table at all (libtsk says TSK_ERR_VS_UNKTYPE, or nothing) makes the whole image one bare volume.
 *     libtsk's detection swallows the reason a DOS table was refused, so when sector 0 still
 *     carries the 0x55AA signature the DOS table is tried again on its own; "starting sector
 *     too large for image" then becomes an error instead of a silent bare volume.
 *   - Partitions libtsk accepts are checked against the image size here again (libtsk only
 *     checks the first two primary starts and none of the logical ones); one that does not fit
 *     is listed with beyond_image set, and kb_fs_open refuses it.
 */
#include "volume/volume.h"

#include <stdlib.h>
#include <string.h>

#include <tsk/libtsk.h>

#include "util/tsk_error.h"
#include "util/limits.h"
#include "util/span.h"
#include "util/text.h"

struct kb_volumes {
    kb_image *image;
    kb_partition *parts;
    size_t count;
};

/* Boot sector fields (Microsoft NTFS boot sector; MBR layout):
 *   0x003  8 bytes  OEM id, "NTFS    " for NTFS
 *   0x1FE  2 bytes  signature 0x55 0xAA */
#define BOOT_OEM_OFFSET 3
#define BOOT_SIGNATURE_OFFSET 510
static const char ntfs_oem[8] = {'N', 'T', 'F', 'S', ' ', ' ', ' ', ' '};

static kb_status read_boot_sector(kb_image *image, uint64_t off, uint8_t sector[512],
                                  kb_error *err)
{
    return kb_image_read(image, off, sector, 512, err);
}

static bool boot_sector_is_ntfs(const uint8_t sector[512])
{
    return memcmp(sector + BOOT_OEM_OFFSET, ntfs_oem, sizeof(ntfs_oem)) == 0;
}

/* Sets ntfs from the partition's first sector; a partition that starts outside the image
 * stays not-NTFS. */
static kb_status probe_partition(kb_image *image, kb_partition *part, kb_error *err)
{
    uint8_t sector[512];
    kb_status status;

    part->ntfs = false;
    if (part->beyond_image || part->length < sizeof(sector))
        return KB_OK;
    status = read_boot_sector(image, part->offset, sector, err);
    if (status != KB_OK)
        return status;
    part->ntfs = boot_sector_is_ntfs(sector);
    return KB_OK;
}

/*
 * True when sector 0 is an MBR with a protective (type 0xEE) entry: a GPT disk, opened as
 * GPT explicitly. libtsk 4.11.1's detection opens such a disk as DOS too, then drops that
 * result as the "GPT safety" table without closing it (vs/mm_open.c), leaking it.
 * MBR entries: 16 bytes each from 0x1BE; the type is at +4.
 */
static bool has_protective_mbr(kb_image *image)
{
    uint8_t sector[512];
    size_t i;

    if (kb_image_size(image) < sizeof(sector) ||
        read_boot_sector(image, 0, sector, NULL) != KB_OK)
        return false;
    if (sector[BOOT_SIGNATURE_OFFSET] != 0x55 || sector[BOOT_SIGNATURE_OFFSET + 1] != 0xAA)
        return false;
    for (i = 0; i < 4; i++) {
        if (sector[0x1BE + 16 * i + 4] == 0xEE)
            return true;
    }
    return false;
}

static void check_bounds(const kb_image *image, kb_partition *part)
{
    uint64_t size = kb_image_size(image);

    part->beyond_image = part->offset >= size || part->length > size - part->offset;
}

static kb_status add_bare_volume(kb_volumes *volumes, kb_error *err)
{
    kb_partition *part;

    volumes->parts = calloc(1, sizeof(*volumes->parts));
    if (volumes->parts == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory for the volume list");
    part = &volumes->parts[0];
    part->index = 0;
    part->offset = 0;
    part->length = kb_image_size(volumes->image);
    kb_strlcpy(part->scheme, "none", sizeof(part->scheme));
    kb_strlcpy(part->description, "whole image (no partition table)",
               sizeof(part->description));
    volumes->count = 1;
    return probe_partition(volumes->image, part, err);
}

/* libtsk found no table. Distinguish "there is none" from "a DOS table libtsk refused". */
static kb_status no_table(kb_volumes *volumes, TSK_IMG_INFO *img, kb_error *err)
{
    char message[KB_TSK_MESSAGE_MAX];
    uint8_t sector[512];
    TSK_VS_INFO *vs;
    kb_status status;

    if (kb_image_size(volumes->image) < sizeof(sector))
        return add_bare_volume(volumes, err);
    status = read_boot_sector(volumes->image, 0, sector, err);
    if (status != KB_OK)
        return status;
    if (boot_sector_is_ntfs(sector) || sector[BOOT_SIGNATURE_OFFSET] != 0x55 ||
        sector[BOOT_SIGNATURE_OFFSET + 1] != 0xAA)
        return add_bare_volume(volumes, err);
    vs = tsk_vs_open(img, 0, TSK_VS_TYPE_DOS);
    if (vs != NULL) {
        /* Explicitly it loads (detection refused it as looking like a FAT boot sector, say):
         * still no trustworthy table. */
        tsk_vs_close(vs);
        return add_bare_volume(volumes, err);
    }
    if (tsk_error_get_errno() == TSK_ERR_VS_BLK_NUM) {
        kb_tsk_error_take(message, sizeof(message));
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "partition table points outside the image: %s", message);
    }
    tsk_error_reset();
    return add_bare_volume(volumes, err);
}

static kb_status load_table(kb_volumes *volumes, TSK_VS_INFO *vs, kb_error *err)
{
    const TSK_VS_PART_INFO *tsk_part;
    kb_partition *part;
    const char *scheme;
    size_t allocated = 0;
    uint64_t block_size = vs->block_size;
    kb_status status;

    if (block_size == 0)
        return kb_error_set(err, KB_ERR_CORRUPT, "partition table with a block size of 0");
    scheme = vs->vstype == TSK_VS_TYPE_DOS ? "mbr" : vs->vstype == TSK_VS_TYPE_GPT ? "gpt" : NULL;
    if (scheme == NULL)
        return kb_error_set(err, KB_ERR_UNSUPPORTED, "unsupported partition table (%s)",
                            tsk_vs_type_toname(vs->vstype));
    /* libtsk builds part_list from the table; its length is bounded by part_count, but the
     * walk is capped on its own as well. */
    for (tsk_part = vs->part_list; tsk_part != NULL; tsk_part = tsk_part->next) {
        if ((tsk_part->flags & TSK_VS_PART_FLAG_ALLOC) == 0)
            continue;
        if (allocated == KB_MAX_PARTITIONS)
            return kb_error_set(err, KB_ERR_LIMIT,
                                "more than %d partitions (KB_MAX_PARTITIONS)",
                                KB_MAX_PARTITIONS);
        allocated++;
    }
    if (allocated == 0)
        return KB_OK;
    volumes->parts = calloc(allocated, sizeof(*volumes->parts));
    if (volumes->parts == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory for the volume list");
    for (tsk_part = vs->part_list; tsk_part != NULL && volumes->count < allocated;
         tsk_part = tsk_part->next) {
        if ((tsk_part->flags & TSK_VS_PART_FLAG_ALLOC) == 0)
            continue;
        part = &volumes->parts[volumes->count];
        part->index = (unsigned)volumes->count + 1;
        kb_strlcpy(part->scheme, scheme, sizeof(part->scheme));
        kb_strlcpy(part->description, tsk_part->desc != NULL ? tsk_part->desc : "",
                   sizeof(part->description));
        kb_sanitize_printable(part->description);
        /* start and len are in blocks from the table; the products must not wrap. */
        if (tsk_part->start > (UINT64_MAX - vs->offset) / block_size ||
            tsk_part->len > UINT64_MAX / block_size) {
            part->offset = UINT64_MAX;
            part->length = 0;
            part->beyond_image = true;
        } else {
            part->offset = vs->offset + tsk_part->start * block_size;
            part->length = tsk_part->len * block_size;
            check_bounds(volumes->image, part);
        }
        volumes->count++;
        status = probe_partition(volumes->image, part, err);
        if (status != KB_OK) {
            kb_error_prefix(err, "partition %u", part->index);
            return status;
        }
    }
    return KB_OK;
}

kb_status kb_volumes_open(kb_image *image, kb_volumes **out, kb_error *err)
{
    char message[KB_TSK_MESSAGE_MAX];
    kb_volumes *volumes = NULL;
    TSK_IMG_INFO *img;
    TSK_VS_INFO *vs = NULL;
    uint32_t tsk_errno;
    kb_status status;

    if (out != NULL)
        *out = NULL;
    if (image == NULL || out == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "reading partitions: invalid argument");
    img = kb_image_tsk_handle(image);
    volumes = calloc(1, sizeof(*volumes));
    if (volumes == NULL) {
        status = kb_error_set(err, KB_ERR_NOMEM, "out of memory for the volume list");
        goto out;
    }
    volumes->image = image;
    vs = tsk_vs_open(img, 0, has_protective_mbr(image) ? TSK_VS_TYPE_GPT : TSK_VS_TYPE_DETECT);
    if (vs == NULL) {
        tsk_errno = tsk_error_get_errno();
        /* libtsk 4.11 (vs/mm_open.c) ends detection with TSK_ERR_VS_UNKTYPE, or with no
         * error number at all when its encryption probe returned a non-signature result. */
        if (tsk_errno == TSK_ERR_VS_UNKTYPE || tsk_errno == 0) {
            tsk_error_reset();
            status = no_table(volumes, img, err);
        } else {
            kb_tsk_error_take(message, sizeof(message));
            status = kb_error_set(err, tsk_errno == TSK_ERR_VS_READ ? KB_ERR_IO : KB_ERR_CORRUPT,
                                  "cannot read the partition table: %s", message);
        }
    } else {
        status = load_table(volumes, vs, err);
    }
    if (status != KB_OK)
        goto out;
    *out = volumes;
    volumes = NULL;
out:
    if (vs != NULL)
        tsk_vs_close(vs);
    if (status != KB_OK)
        kb_error_prefix(err, "%s", kb_image_path(image));
    kb_volumes_close(volumes);
    return status;
}

void kb_volumes_close(kb_volumes *volumes)
{
    if (volumes == NULL)
        return;
    free(volumes->parts);
    free(volumes);
}

size_t kb_volumes_count(const kb_volumes *volumes)
{
    return volumes != NULL ? volumes->count : 0;
}

const kb_partition *kb_volumes_get(const kb_volumes *volumes, size_t i)
{
    if (volumes == NULL || i >= volumes->count)
        return NULL;
    return &volumes->parts[i];
}

const char *kb_volumes_image_path(const kb_volumes *volumes)
{
    return volumes != NULL ? kb_image_path(volumes->image) : "";
}

kb_image *kb_volumes_image(const kb_volumes *volumes)
{
    return volumes != NULL ? volumes->image : NULL;
}

void *kb_volumes_tsk_handle(const kb_volumes *volumes)
{
    return volumes != NULL ? kb_image_tsk_handle(volumes->image) : NULL;
}
