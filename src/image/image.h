/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image.h - the evidence container, opened read-only.
 *
 * Offers: open a raw, split-raw (from its first segment) or E01 image through libtsk, or a
 * QCOW2, VHD/VHDX or VMDK image with its whole differencing chain (backing files, parent
 * disks, snapshot deltas) through libqcow, libvhdi and libvmdk, its format detected from its
 * magic bytes; its format name, size, segment count and chain of files; bounded reads; and a
 * count of the bytes and read calls made against the evidence. Every read the layers above
 * make goes through this count (libtsk is handed a counting wrapper).
 * Below: libtsk's img layer, libqcow, libvhdi, libvmdk. Above: volume.
 */
#ifndef KB_IMAGE_H
#define KB_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct kb_image kb_image;

typedef struct kb_io_stats {
    uint64_t bytes_read; /* bytes libtsk asked of the container */
    uint64_t read_calls; /* read calls made against the container */
} kb_io_stats;

/*
 * Opens the image at `path` read-only, detecting its container format. Split raw images are
 * opened from their first segment (image.001, image.aa, ...). A differencing QCOW2, VHD/VHDX
 * or VMDK is opened with every parent it names, each resolved in the directory of the file
 * naming it under the rule in container.h (a relative name without ".." or ':'). On failure
 * returns a negative status and a one-line error naming the path and the cause (a missing
 * parent is KB_ERR_NOT_FOUND naming the parent); *out is NULL.
 * The caller owns *out and frees it with kb_image_close().
 */
kb_status kb_image_open(const char *path, kb_image **out, kb_error *err);

/*
 * Opens an in-memory disk image (for fuzzing and tests); `data` must outlive the image.
 * `name` is used in messages.
 */
kb_status kb_image_open_memory(const uint8_t *data, size_t size, const char *name,
                               kb_image **out, kb_error *err);

void kb_image_close(kb_image *image);

/* The path given to kb_image_open (or the name given to kb_image_open_memory). */
const char *kb_image_path(const kb_image *image);

/* "raw", "split-raw", "vhd", "vhdx", "vmdk", "qcow2", "ewf" or "memory". */
const char *kb_image_format(const kb_image *image);

/* Media size in bytes, as the container declares it. */
uint64_t kb_image_size(const kb_image *image);

/* Number of files the container is made of (split raw and E01 segments). */
unsigned kb_image_segment_count(const kb_image *image);

/*
 * The files the image is read from as a differencing chain, child first: the path given, then
 * its parent, its parent's parent... (host paths as opened). One entry (the path) for images
 * without parents, split raw and E01 included (their segments are not a chain). The array
 * and strings belong to the image; *count is set to the number of entries.
 */
const char *const *kb_image_chain(const kb_image *image, size_t *count);

/* Reads exactly len bytes at off; a short read is KB_ERR_IO naming the offset. */
kb_status kb_image_read(kb_image *image, uint64_t off, void *buf, size_t len, kb_error *err);

/* Bytes and read calls so far. */
void kb_image_io_stats(const kb_image *image, kb_io_stats *out);

/* For the volume layer only: the counting libtsk handle (a TSK_IMG_INFO *). */
void *kb_image_tsk_handle(kb_image *image);

#endif
