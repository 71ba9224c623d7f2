/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image.h - the evidence container, opened read-only.
 *
 * Offers: open a raw, split-raw (from its first segment), VHD/VHDX, VMDK or E01 image through
 * libtsk with its format detected; its format name, size and segment count; bounded reads;
 * and a count of the bytes and read calls made against the evidence. Every read the layers
 * above make goes through this count (libtsk is handed a counting wrapper).
 * Below: libtsk's img layer. Above: volume.
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
 * opened from their first segment (image.001, image.aa, ...). On failure returns a negative
 * status and an error naming the path and the cause; *out is NULL.
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

/* "raw", "split-raw", "vhd", "vmdk", "ewf" or "memory". */
const char *kb_image_format(const kb_image *image);

/* Media size in bytes, as the container declares it. */
uint64_t kb_image_size(const kb_image *image);

/* Number of files the container is made of (split raw and E01 segments). */
unsigned kb_image_segment_count(const kb_image *image);

/* Reads exactly len bytes at off; a short read is KB_ERR_IO naming the offset. */
kb_status kb_image_read(kb_image *image, uint64_t off, void *buf, size_t len, kb_error *err);

/* Bytes and read calls so far. */
void kb_image_io_stats(const kb_image *image, kb_io_stats *out);

/* For the volume layer only: the counting libtsk handle (a TSK_IMG_INFO *). */
void *kb_image_tsk_handle(kb_image *image);

#endif
