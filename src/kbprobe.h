/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kbprobe.h - the public API, the only header the CLI includes.
 *
 * kb_scan_image() runs the whole pipeline on one image (image -> volume -> fs -> pe/hive ->
 * facts -> verdict) and fills a kb_image_result that the report writers (report/report.h,
 * included here) print. kb_extract_image() copies the artefacts kbprobe reads out of an
 * image, for a human or another tool to look at. Images are only ever opened read-only.
 */
#ifndef KBPROBE_H
#define KBPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"
#include "util/error.h"

/* The version of the library, "MAJOR.MINOR.PATCH". */
const char *kb_version(void);

/* A w3core.dll given with --candidate, read from the host once for every image. */
typedef struct kb_candidate kb_candidate;

/*
 * Reads the host file `path` (at most KB_MAX_FILE_BYTES) for use as a candidate. The bytes
 * are parsed per image, so a file that is not a valid PE is reported in each verdict, not
 * refused here; only an unreadable or oversized file fails. Free with kb_candidate_free().
 */
kb_status kb_candidate_load(const char *path, kb_candidate **out, kb_error *err);
void kb_candidate_free(kb_candidate *candidate);

/*
 * Scans one image. *result is initialised here and always usable afterwards (free it with
 * kb_image_result_free): an image that cannot be opened, or whose volumes cannot be read,
 * is recorded in the result (open_failed / error), not returned as a failure. The return is
 * KB_OK, or KB_ERR_NOMEM when memory ran out. candidate may be NULL.
 */
kb_status kb_scan_image(const char *path, const kb_candidate *candidate, kb_image_result *result,
                        kb_error *err);

/*
 * Scans a disk image held in memory (data[0..size), not copied; it must outlive the call),
 * exactly as kb_scan_image scans a file: for fuzzing and tests. `name` (NULL: "memory") is
 * the image's name in the result and in messages. Same result and return as kb_scan_image.
 */
kb_status kb_scan_memory(const uint8_t *data, size_t size, const char *name,
                         const kb_candidate *candidate, kb_image_result *result, kb_error *err);

/* One file kb_extract_image() wrote. */
typedef struct kb_extracted {
    char host_name[KB_MAX_PATH_BYTES]; /* relative to the output directory */
    char source[KB_MAX_PATH_BYTES];    /* the path in the image, as spelled on disk */
    unsigned partition_index;
    uint64_t partition_offset;
    uint64_t mft_entry;
    uint64_t size;
    char sha256[KB_SHA256_HEX_SIZE];
} kb_extracted;

/*
 * Extracts iisutil.dll, w3core.dll (system32\inetsrv, and SysWOW64\inetsrv when present),
 * SOFTWARE and SYSTEM of every Windows installation of the image at `path` into out_dir,
 * plus manifest.json describing each file. Host names are made by kbprobe
 * ("p1-install1/iisutil.dll"), never taken from the image. out_dir is created when missing;
 * nothing is ever overwritten (KB_ERR_EXISTS) and no link is followed. `progress`, when not
 * NULL, receives one line per file written. KB_ERR_NOT_FOUND when the image holds no Windows
 * installation. Errors name the image and the cause.
 */
kb_status kb_extract_image(const char *path, const char *out_dir, FILE *progress, kb_error *err);

#endif
