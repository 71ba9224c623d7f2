/* SPDX-License-Identifier: Apache-2.0 */
/*
 * volume.h - partitions of an image.
 *
 * Offers: the list of partitions (MBR with extended/logical partitions, GPT, or the whole
 * image as one bare volume) with offset, length and whether the boot sector says NTFS.
 * Below: image (and libtsk's vs layer). Above: fs, which opens a partition's file system
 * through the handle this layer passes on.
 */
#ifndef KB_VOLUME_H
#define KB_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/image.h"
#include "util/error.h"

typedef struct kb_partition {
    unsigned index;          /* 1-based, in table order; 0 for a bare volume */
    uint64_t offset;         /* bytes from the start of the image */
    uint64_t length;         /* bytes */
    char scheme[8];          /* "mbr", "gpt" or "none" */
    char description[64];    /* libtsk's description ("NTFS / exFAT (0x07)", ...) */
    bool ntfs;               /* boot sector has the "NTFS    " OEM id */
    bool beyond_image;       /* the table puts it (partly) outside the image: reported, not
                                trusted; kb_fs_open refuses it and ntfs stays false */
} kb_partition;

typedef struct kb_volumes kb_volumes;

/*
 * Reads the partition table of `image` (which must outlive the result). An image with no
 * table becomes one bare volume. Only allocated partitions are listed, numbered 1.. in the
 * order libtsk gives them (by starting sector; logical partitions after the primaries before
 * them on disk). A partition the table places outside the image is listed with beyond_image
 * set; a DOS table whose first entries start past the end is KB_ERR_CORRUPT. Errors are
 * prefixed with the image path. The caller frees *out with kb_volumes_close().
 */
kb_status kb_volumes_open(kb_image *image, kb_volumes **out, kb_error *err);
void kb_volumes_close(kb_volumes *volumes);

size_t kb_volumes_count(const kb_volumes *volumes);
const kb_partition *kb_volumes_get(const kb_volumes *volumes, size_t i);

/* The image these volumes belong to (its path names errors; its stats count reads). */
const char *kb_volumes_image_path(const kb_volumes *volumes);

/* The image these volumes belong to. */
kb_image *kb_volumes_image(const kb_volumes *volumes);

/* For the fs layer only: the counting libtsk image handle (a TSK_IMG_INFO *). */
void *kb_volumes_tsk_handle(const kb_volumes *volumes);

#endif
