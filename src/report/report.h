/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h - what the pipeline produces for one image, and its writers: text for people,
 * JSON (one document for many images) and JSON Lines (one compact object per image per line).
 * The JSON schema is "kbprobe/scan/1", documented in docs/json-schema.md.
 *
 * Names and values from the image are untrusted: the text writer replaces control characters
 * with '?' on every line it prints; the JSON writers rely on JSON escaping and replace bytes
 * that are not valid UTF-8 with '?'.
 */
#ifndef KB_REPORT_H
#define KB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "facts/facts.h"
#include "util/error.h"
#include "verdict/verdict.h"

/* The schema name written in every JSON document and JSON Lines object. */
#define KB_REPORT_SCHEMA "kbprobe/scan/1"

/* One Windows installation: its facts and the verdict decided from them. */
typedef struct kb_install_result {
    kb_install_facts facts;
    kb_verdict verdict;
} kb_install_result;

/* The phases of one scan, timed for scan --stats. */
typedef enum kb_scan_phase {
    KB_PHASE_OPEN,    /* opening the container */
    KB_PHASE_VOLUMES, /* partition table, file system probes, NTFS open ($UpCase) */
    KB_PHASE_LOOKUPS, /* finding Windows directories, listing inetsrv */
    KB_PHASE_PE,      /* PE files: lookup, read, hash, parse */
    KB_PHASE_HIVE,    /* SOFTWARE and SYSTEM: open, values, installed updates */
    KB_PHASE_VERDICT, /* deciding the verdicts */
    KB_PHASE_COUNT
} kb_scan_phase;

/* "open", "volumes", "lookups", "pe", "hive", "verdict"; "?" out of range. */
const char *kb_scan_phase_name(kb_scan_phase phase);

/*
 * What one scan cost (scan --stats, docs/performance.md): I/O against the evidence as the
 * image layer counted it, wall time per phase, and the process's peak resident memory
 * (getrusage ru_maxrss of the scanning process: scan's batch mode forks one worker per
 * image, so there it is that image's).
 * Always filled by kb_scan_image; the writers print it only when `report` is set.
 */
typedef struct kb_scan_stats {
    bool report;                     /* writers include the stats (set by the caller) */
    uint64_t bytes_read;             /* bytes read from the container */
    uint64_t read_calls;             /* read calls made against the container */
    double phase_ms[KB_PHASE_COUNT]; /* milliseconds per phase (monotonic clock) */
    double total_ms;                 /* the whole scan, open to close */
    long peak_rss_kib;               /* ru_maxrss when the scan ended */
} kb_scan_stats;

/* One image. */
typedef struct kb_image_result {
    kb_image_facts image;     /* path (as given), format, size, segment count */
    unsigned partitions_seen; /* partitions listed by the volume layer */
    /* Set when the image could not be opened at all (then there are no installations). */
    bool open_failed;
    /* The error that stopped the scan, "" when none (kb_error message, with context). */
    char error[KB_ERROR_MESSAGE_MAX];
    /* Owned array (kb_image_result_free). */
    kb_install_result *installations;
    size_t installation_count;
    /* The image's verdict (kb_image_result_finish): the worst installation's verdict, copied;
     * not-applicable when no Windows was found; unknown when the image could not be opened. */
    kb_verdict overall;
    /* Index of the installation whose verdict is `overall`; SIZE_MAX when none. */
    size_t deciding;
    /* What the scan cost; written only when stats.report is set. */
    kb_scan_stats stats;
} kb_image_result;

/* Zeroes *result and records the image path (copied). */
void kb_image_result_init(kb_image_result *result, const char *path);

/*
 * Appends an installation: *facts is moved into the result (its lists now belong to the
 * result; *facts is left empty, as after kb_install_facts_init) and its verdict is decided.
 * KB_ERR_LIMIT past KB_MAX_WINDOWS_INSTALLS, KB_ERR_NOMEM; *facts untouched on failure.
 */
kb_status kb_image_result_add(kb_image_result *result, kb_install_facts *facts, kb_error *err);

/* Records that the image could not be opened (or the scan stopped): message is copied. */
void kb_image_result_set_error(kb_image_result *result, bool open_failed, const char *message);

/* Computes `overall` and `deciding` from the installations (call once they are all added). */
void kb_image_result_finish(kb_image_result *result);

/* Frees the installations and their facts. NULL is allowed. */
void kb_image_result_free(kb_image_result *result);

/* For kb_verdict_exit_status: whether the image opened, and its overall verdict. */
kb_image_outcome kb_image_result_outcome(const kb_image_result *result);

/* ---------------------------------------------------------------------------------------
 * Writers
 * ------------------------------------------------------------------------------------- */

/*
 * The text report of one image: the verdict and its one-sentence summary first, then per
 * installation the evidence (OS, IIS, files with versions, branches and SHA-256, updates),
 * the reasons, and the remedy. KB_ERR_IO when writing fails.
 */
kb_status kb_report_write_text(FILE *out, const kb_image_result *result, kb_error *err);

/*
 * The JSON object of one image (schema KB_REPORT_SCHEMA, docs/json-schema.md). The caller
 * owns the result (json_decref). NULL only when memory runs out.
 */
json_t *kb_report_json(const kb_image_result *result);

/* {"schema": KB_REPORT_SCHEMA, "images": [ ... ]} for `count` images, indented, ending in a
 * newline. KB_ERR_NOMEM, KB_ERR_IO. */
kb_status kb_report_write_json(FILE *out, const kb_image_result *results, size_t count,
                               kb_error *err);

/* One compact JSON object for one image, on exactly one line (ending in "\n"). */
kb_status kb_report_write_jsonl(FILE *out, const kb_image_result *result, kb_error *err);

/* ---------------------------------------------------------------------------------------
 * Fleet writers (issue 4): they read JSON records, the objects kb_report_json() makes (as
 * `scan --format jsonl` prints them, possibly from other machines), so that `kbprobe merge`
 * can write them for shard outputs it never scanned. A record's "verdict", "image",
 * "summary" and "reasons" are used; a missing member reads as unknown / "".
 * ------------------------------------------------------------------------------------- */

/*
 * JUnit XML: one testsuite "kbprobe", one testcase per record (name = image path);
 * at-risk, broken and unknown are failures whose message is the summary and whose body
 * lists the reasons. XML special characters are escaped, control characters become '?'.
 * KB_ERR_IO when writing fails.
 */
kb_status kb_report_write_junit(FILE *out, json_t *const *records, size_t count, kb_error *err);

/*
 * SARIF 2.1.0: one run of tool "kbprobe" (`tool_version`), rules "at-risk", "broken" and
 * "unknown", one result per record whose verdict is one of them (level error for broken and
 * at-risk, warning for unknown), located at the image path as an artifact URI.
 * KB_ERR_NOMEM, KB_ERR_IO.
 */
kb_status kb_report_write_sarif(FILE *out, json_t *const *records, size_t count,
                                const char *tool_version, kb_error *err);

/*
 * The summary table: the count of each verdict, then the broken, at-risk and unknown images
 * listed with their summaries, plus `extra` lines' worth of caller notes (NULL: none).
 * KB_ERR_IO when writing fails.
 */
kb_status kb_report_write_summary(FILE *out, json_t *const *records, size_t count,
                                  const char *extra, kb_error *err);

#endif
