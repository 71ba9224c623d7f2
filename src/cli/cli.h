/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h - the pieces of the command line shared between its files: the input list (arguments,
 * --from, directories, --shard), the worker pool that scans each image in its own process,
 * the exit-status policy (--fail-on) and the subcommands. Internal to src/cli.
 */
#ifndef KB_CLI_H
#define KB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "kbprobe.h"

#define KB_CLI_PROGRAM "kbprobe"

enum { KB_CLI_EXIT_USAGE = 16, KB_CLI_EXIT_UNREADABLE = 8 };

/* ---- inputs (inputs.c) ---------------------------------------------------------------- */

/* The images of a run, in input order. `index` is the position in the whole list before
 * sharding, so shards of one list share one numbering. */
typedef struct kb_cli_input {
    char *path;
    size_t index;
} kb_cli_input;

typedef struct kb_cli_inputs {
    kb_cli_input *items;
    size_t count;
    size_t capacity;
} kb_cli_inputs;

/* Adds one argument: a file is added as given; a directory is walked (recursively when
 * `recursive`) and the files whose first bytes are a disk image signature are added, sorted
 * by name, later segments of split raw and E01 sets left out. A directory without
 * `recursive` is added as a path (the scan then refuses it). 0, or -1 with a message. */
int kb_cli_inputs_add_arg(kb_cli_inputs *inputs, const char *arg, bool recursive);

/* Adds every non-empty line of FILE ("-" is stdin) as an argument. 0 or -1. */
int kb_cli_inputs_add_list(kb_cli_inputs *inputs, const char *list_path, bool recursive);

/* Numbers the list 0..count-1 and drops repeated paths (a warning each unless quiet). */
void kb_cli_inputs_finish(kb_cli_inputs *inputs, bool quiet);

void kb_cli_inputs_free(kb_cli_inputs *inputs);

/* Whether a file's first bytes (and for VHD its last 512) say "disk image": raw with a boot
 * sector or GPT, VHD, VHDX, VMDK, E01 (first segment), QCOW2. */
bool kb_cli_is_image_file(const char *path);

/* FNV-1a 64 of the path string's bytes (the sharding hash, docs/fleet.md). */
uint64_t kb_cli_fnv1a64(const char *s);

/* Parses "K/N" (0 <= K < N) or "auto" (SLURM_ARRAY_TASK_ID/_MIN/_COUNT/_MAX, or
 * JOB_COMPLETION_INDEX with the count from `count_flag` or KB_SHARD_COUNT). 0, or -1 with a
 * message in `message`. */
int kb_cli_shard_parse(const char *spec, unsigned long count_flag, unsigned long *k,
                       unsigned long *n, char *message, size_t message_size);

/* Keeps only the inputs whose FNV-1a 64 hash of the path modulo n is k. */
void kb_cli_inputs_shard(kb_cli_inputs *inputs, unsigned long k, unsigned long n);

/* ---- exit policy (policy.c) ----------------------------------------------------------- */

typedef enum kb_cli_fail_on {
    KB_FAIL_ON_DEFAULT = 0, /* every bit, as without --fail-on */
    KB_FAIL_ON_UNKNOWN,     /* the same: unknown, open failures, at-risk, broken */
    KB_FAIL_ON_AT_RISK,     /* at-risk and broken only */
    KB_FAIL_ON_BROKEN,      /* broken only */
    KB_FAIL_ON_NEVER,       /* no verdict bit */
} kb_cli_fail_on;

bool kb_cli_fail_on_parse(const char *name, kb_cli_fail_on *out);

/* The outcome of one JSON record (verdict; "could not be opened" when its deciding reason
 * is image.open). */
kb_image_outcome kb_cli_record_outcome(const json_t *record);

/* The exit bits of `count` records under the policy (missing adds the unknown bit). */
int kb_cli_exit_status(json_t *const *records, size_t count, size_t missing,
                       kb_cli_fail_on policy);

/* Writes the --junit and --sarif files (NULL: not asked) atomically (FILE.partial, rename).
 * 0, or -1 after a message on stderr. */
int kb_cli_write_reports(json_t *const *records, size_t count, const char *junit_path,
                         const char *sarif_path);

/* ---- subcommands ---------------------------------------------------------------------- */

extern const char kb_cli_usage_scan[];
extern const char kb_cli_usage_merge[];

int kb_cli_scan(int argc, char **argv);
int kb_cli_merge(int argc, char **argv);

#endif
