/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.h - the containers image.c reads through libyal's libraries directly, not through
 * libtsk: QCOW2 (libqcow), VHD and VHDX (libvhdi), VMDK (libvmdk), each with its whole
 * differencing chain (QCOW2 backing files, VHD/VHDX differencing disks, VMDK snapshot deltas).
 * Only image.c includes this header.
 *
 * The parent of a differencing image is named by the image itself, so that name is hostile
 * input that becomes a host path. The rule (kb_container_parent_path):
 *   - the name must be relative: no leading '/', no drive letter or protocol (no ':' at all:
 *     "C:\vm\base.vhd", "nbd://host", "json:{...}" are refused), no ".." component, no control
 *     characters, not empty, shorter than KB_MAX_PATH_BYTES;
 *   - VHD and VHDX name their parents the Windows way: '\' is read as a separator there, and
 *     a leading ".\" (VHDX relative locators) is dropped;
 *   - it is resolved in the directory of the file that names it, opened O_RDONLY through the
 *     library's read access flag, and must be a regular, non-empty file;
 *   - a chain is at most KB_MAX_CHAIN_FILES files and may not name a file already in it;
 *   - the extent file names of a VMDK descriptor (at most KB_MAX_VMDK_EXTENTS) pass the same
 *     rule before libvmdk opens them from the descriptor's directory.
 * Anything else is refused with an error naming the image and the name it gave.
 */
#ifndef KB_IMAGE_CONTAINER_H
#define KB_IMAGE_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

typedef struct kb_container kb_container;

typedef enum kb_container_kind {
    KB_CONTAINER_QCOW2,
    KB_CONTAINER_VHD,  /* VHD or VHDX: libvhdi reads both */
    KB_CONTAINER_VMDK,
} kb_container_kind;

/*
 * Opens `path` and every parent it names, read-only. On failure returns a negative status
 * (KB_ERR_NOT_FOUND for a missing parent, KB_ERR_ARGUMENT for a parent name the rule above
 * refuses, KB_ERR_LIMIT for too long a chain, KB_ERR_UNSUPPORTED/KB_ERR_CORRUPT for what the
 * library refuses) with a one-line error naming the file and what failed; *out is NULL.
 * The caller owns *out (kb_container_close).
 */
kb_status kb_container_open(const char *path, kb_container_kind kind, kb_container **out,
                            kb_error *err);

void kb_container_close(kb_container *container);

/* Media size the child declares, in bytes. */
uint64_t kb_container_size(const kb_container *container);

/* The files of the chain, child first; *count set to their number (at least 1). */
const char *const *kb_container_chain(const kb_container *container, size_t *count);

/*
 * Reads up to len bytes at off (the caller keeps off + len within the media size). Returns
 * the bytes read, or -1 with a message (cut to message_size) in `message`.
 */
ssize_t kb_container_read(kb_container *container, uint64_t off, void *buf, size_t len,
                          char *message, size_t message_size);

/*
 * The host path of the parent `name` that the file `declared_by` gives, under the rule above
 * (windows_names: '\' separates). Writes the path into out (out_size bytes) and returns
 * KB_OK, or KB_ERR_ARGUMENT with an error naming declared_by and the name.
 * Exposed for the unit tests.
 */
kb_status kb_container_parent_path(const char *declared_by, const char *name, bool windows_names,
                                   char *out, size_t out_size, kb_error *err);

#endif
