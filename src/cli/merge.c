/* SPDX-License-Identifier: Apache-2.0 */
/*
 * merge.c - `kbprobe merge`: the JSON Lines outputs of shards (or of resumed runs) become
 * one result: records deduplicated by image path, duplicates and missing images reported,
 * then one JSON Lines file, JSON document or summary, plus --junit and --sarif, and the exit
 * status of the whole fleet.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/text.h"

const char kb_cli_usage_merge[] =
    "Usage: kbprobe merge [OPTIONS] FILE.jsonl...\n"
    "\n"
    "Combines the `scan --format jsonl` outputs of several shards (or runs) into one\n"
    "result. Records are deduplicated by image path (the first one read is kept; each\n"
    "duplicate is reported on stderr, with a warning when the verdicts differ) and sorted\n"
    "by their \"index\". Missing images are reported: those of --expect LIST that no file\n"
    "records, or else the gaps in the index numbering. - reads stdin.\n"
    "\n"
    "Options:\n"
    "  -f, --format FORMAT   jsonl (default), json or summary (the table only)\n"
    "  -o, --output FILE     write to FILE (FILE.partial, renamed at the end) not stdout\n"
    "      --expect LIST     the image list the shards were given (one path per line, as\n"
    "                        for scan --from): report each image no shard recorded\n"
    "      --junit FILE      JUnit XML of the merged records\n"
    "      --sarif FILE      SARIF 2.1.0 of the merged records\n"
    "      --fail-on LEVEL   as for scan: unknown (default), at-risk, broken or never\n"
    "  -q, --quiet           no summary and no warnings on stderr\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: the bits of scan over the merged records (--fail-on applies); a missing\n"
    "image counts as unknown (4); 8 when an input or output could not be read or written;\n"
    "16 usage error.\n"
    "\n"
    "Example:\n"
    "  kbprobe merge --expect images.txt --junit fleet.xml shard-*.jsonl > fleet.jsonl\n";

typedef struct merge_set {
    json_t **records;
    size_t count;
    size_t capacity;
} merge_set;

static int merge_usage_error(const char *message)
{
    fprintf(stderr, "%s: %s\n%s", KB_CLI_PROGRAM, message, kb_cli_usage_merge);
    return KB_CLI_EXIT_USAGE;
}

static const char *image_of(const json_t *record)
{
    const char *s = json_string_value(json_object_get(record, "image"));
    return s != NULL ? s : "";
}

static int compare_records(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    const json_t *xi = json_object_get(x, "index"), *yi = json_object_get(y, "index");

    if (json_is_integer(xi) && json_is_integer(yi) &&
        json_integer_value(xi) != json_integer_value(yi))
        return json_integer_value(xi) < json_integer_value(yi) ? -1 : 1;
    if (json_is_integer(xi) != json_is_integer(yi))
        return json_is_integer(xi) ? -1 : 1;
    return strcmp(image_of(x), image_of(y));
}

static int compare_by_path(const void *a, const void *b)
{
    int c = strcmp(image_of(*(json_t *const *)a), image_of(*(json_t *const *)b));

    return c;
}

static int read_file(merge_set *set, const char *path, bool quiet)
{
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char *line = NULL;
    size_t size = 0, line_number = 0, bad = 0;
    ssize_t len;
    int rc = 0;

    if (in == NULL) {
        fprintf(stderr, "%s: %s: cannot open: %s\n", KB_CLI_PROGRAM, path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &size, in)) >= 0) {
        json_error_t jerr;
        json_t *record;

        line_number++;
        if (len == 0 || (len == 1 && line[0] == '\n'))
            continue;
        record = json_loadb(line, (size_t)len, 0, &jerr);
        if (record == NULL || !json_is_object(record) ||
            json_string_value(json_object_get(record, "image")) == NULL) {
            json_decref(record);
            if (!quiet && bad++ < 5)
                fprintf(stderr, "%s: %s:%zu: not a kbprobe record, skipped\n", KB_CLI_PROGRAM,
                        path, line_number);
            continue;
        }
        if (set->count == set->capacity) {
            size_t capacity = set->capacity != 0 ? set->capacity * 2 : 256;
            json_t **grown = realloc(set->records, capacity * sizeof(*grown));

            if (grown == NULL) {
                json_decref(record);
                fprintf(stderr, "%s: out of memory\n", KB_CLI_PROGRAM);
                rc = -1;
                break;
            }
            set->records = grown;
            set->capacity = capacity;
        }
        set->records[set->count++] = record;
    }
    if (rc == 0 && ferror(in)) {
        fprintf(stderr, "%s: %s: cannot read\n", KB_CLI_PROGRAM, path);
        rc = -1;
    }
    free(line);
    if (in != stdin)
        fclose(in);
    return rc;
}

/* A record and the position it was read at: sorting by (path, position) keeps the first
 * read record first among records of one image (qsort alone is not stable). */
typedef struct read_record {
    json_t *record;
    size_t position;
} read_record;

static int compare_read(const void *a, const void *b)
{
    const read_record *x = a, *y = b;
    int c = strcmp(image_of(x->record), image_of(y->record));

    if (c != 0)
        return c;
    return x->position < y->position ? -1 : x->position > y->position;
}

/* Keeps the first record of each image path (files in the order given, lines in order);
 * leaves the records sorted by path. -1 when memory runs out. */
static long deduplicate(merge_set *set, bool quiet)
{
    read_record *all = calloc(set->count + 1, sizeof(*all));
    size_t kept = 0, duplicates = 0;

    if (all == NULL)
        return -1;
    for (size_t i = 0; i < set->count; i++) {
        all[i].record = set->records[i];
        all[i].position = i;
    }
    qsort(all, set->count, sizeof(*all), compare_read);
    for (size_t i = 0; i < set->count; i++) {
        json_t *record = all[i].record;

        if (kept > 0 && strcmp(image_of(set->records[kept - 1]), image_of(record)) == 0) {
            const char *a = json_string_value(json_object_get(set->records[kept - 1], "verdict"));
            const char *b = json_string_value(json_object_get(record, "verdict"));
            bool differ = a == NULL || b == NULL || strcmp(a, b) != 0;

            duplicates++;
            if (!quiet)
                fprintf(stderr, "%s: merge: %s: recorded more than once%s, the first kept\n",
                        KB_CLI_PROGRAM, image_of(record),
                        differ ? " with different verdicts" : "");
            json_decref(record);
            continue;
        }
        set->records[kept++] = record;
    }
    set->count = kept;
    free(all);
    return (long)duplicates;
}

/* Images of the --expect list without a record, or gaps in the index numbering. */
static size_t count_missing(merge_set *set, const char *expect_path, bool quiet, int *rc)
{
    size_t missing = 0;

    if (expect_path != NULL) {
        kb_cli_inputs expected = {0};

        if (kb_cli_inputs_add_list(&expected, expect_path, false) != 0) {
            *rc = -1;
            return 0;
        }
        kb_cli_inputs_finish(&expected, true);
        for (size_t i = 0; i < expected.count; i++) {
            json_t *probe = json_pack("{s:s}", "image", expected.items[i].path);
            json_t **found = probe != NULL ? bsearch(&probe, set->records, set->count,
                                                     sizeof(*set->records), compare_by_path)
                                           : NULL;

            json_decref(probe);
            if (found == NULL) {
                missing++;
                if (!quiet)
                    fprintf(stderr, "%s: merge: %s: no record (missing)\n", KB_CLI_PROGRAM,
                            expected.items[i].path);
            }
        }
        kb_cli_inputs_free(&expected);
        return missing;
    }
    {
        /* Without a list: sorted by index, every gap is a missing image. */
        json_int_t want = 0;

        qsort(set->records, set->count, sizeof(*set->records), compare_records);

        for (size_t i = 0; i < set->count; i++) {
            const json_t *index = json_object_get(set->records[i], "index");

            if (!json_is_integer(index))
                break;
            if (json_integer_value(index) > want) {
                missing += (size_t)(json_integer_value(index) - want);
                if (!quiet)
                    fprintf(stderr, "%s: merge: no record for index %lld..%lld (missing)\n",
                            KB_CLI_PROGRAM, (long long)want,
                            (long long)json_integer_value(index) - 1);
            }
            if (json_integer_value(index) >= want)
                want = json_integer_value(index) + 1;
        }
    }
    return missing;
}

static int write_output(const merge_set *set, const char *format, const char *path, bool quiet,
                        size_t duplicates, size_t missing)
{
    char *partial = NULL, extra[160];
    FILE *out = stdout;
    kb_error err;
    int rc = 0;

    if (path != NULL) {
        size_t len = strlen(path) + sizeof(".partial");

        partial = malloc(len);
        if (partial == NULL || !kb_str_join3(partial, len, path, ".partial", "") ||
            (out = fopen(partial, "w")) == NULL) {
            fprintf(stderr, "%s: %s: cannot create the output\n", KB_CLI_PROGRAM, path);
            free(partial);
            return -1;
        }
    }
    snprintf(extra, sizeof(extra), "Merged: %zu duplicate record%s dropped, %zu image%s missing\n",
             duplicates, duplicates == 1 ? "" : "s", missing, missing == 1 ? "" : "s");
    kb_error_clear(&err);
    if (strcmp(format, "summary") == 0) {
        if (kb_report_write_summary(out, set->records, set->count, extra, &err) != KB_OK)
            rc = -1;
    } else if (strcmp(format, "json") == 0) {
        json_t *doc = json_pack("{s:s, s:[]}", "schema", KB_REPORT_SCHEMA, "images");
        json_t *images = json_object_get(doc, "images");

        for (size_t i = 0; images != NULL && i < set->count; i++)
            json_array_append(images, set->records[i]);
        if (doc == NULL || json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
            fputc('\n', out) == EOF)
            rc = -1;
        json_decref(doc);
    } else {
        for (size_t i = 0; i < set->count && rc == 0; i++)
            if (json_dumpf(set->records[i], out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ||
                fputc('\n', out) == EOF)
                rc = -1;
    }
    if (strcmp(format, "summary") != 0 && !quiet)
        (void)kb_report_write_summary(stderr, set->records, set->count, extra, &err);
    if (out != stdout) {
        if (fclose(out) != 0 || (rc == 0 && rename(partial, path) != 0))
            rc = -1;
        if (rc != 0)
            (void)remove(partial);
    } else if (fflush(stdout) != 0 || ferror(stdout)) {
        rc = -1;
    }
    if (rc != 0)
        fprintf(stderr, "%s: error writing the merged output\n", KB_CLI_PROGRAM);
    free(partial);
    return rc;
}

int kb_cli_merge(int argc, char **argv)
{
    enum { OPT_EXPECT = 256, OPT_JUNIT, OPT_SARIF, OPT_FAIL_ON };
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"expect", required_argument, NULL, OPT_EXPECT},
        {"junit", required_argument, NULL, OPT_JUNIT},
        {"sarif", required_argument, NULL, OPT_SARIF},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = "jsonl", *output = NULL, *expect = NULL, *junit = NULL, *sarif = NULL;
    kb_cli_fail_on fail_on = KB_FAIL_ON_DEFAULT;
    merge_set set = {0};
    size_t missing;
    long duplicates;
    bool quiet = false, failed = false;
    int opt, rc = 0, status;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "+f:o:qh", options, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (strcmp(optarg, "jsonl") != 0 && strcmp(optarg, "json") != 0 &&
                strcmp(optarg, "summary") != 0)
                return merge_usage_error("unknown format (use jsonl, json or summary)");
            format = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case OPT_EXPECT:
            expect = optarg;
            break;
        case OPT_JUNIT:
            junit = optarg;
            break;
        case OPT_SARIF:
            sarif = optarg;
            break;
        case OPT_FAIL_ON:
            if (!kb_cli_fail_on_parse(optarg, &fail_on))
                return merge_usage_error("--fail-on: use at-risk, broken, unknown or never");
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(kb_cli_usage_merge, stdout);
            return 0;
        default:
            fputs(kb_cli_usage_merge, stderr);
            return KB_CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return merge_usage_error("merge: no file given");
    for (int i = optind; i < argc; i++)
        if (read_file(&set, argv[i], quiet) != 0)
            failed = true;
    duplicates = deduplicate(&set, quiet);
    if (duplicates < 0) {
        fprintf(stderr, "%s: out of memory\n", KB_CLI_PROGRAM);
        failed = true;
        duplicates = 0;
    }
    missing = count_missing(&set, expect, quiet, &rc);
    if (rc != 0)
        failed = true;
    qsort(set.records, set.count, sizeof(*set.records), compare_records);
    if (write_output(&set, format, output, quiet, (size_t)duplicates, missing) != 0)
        failed = true;
    if (kb_cli_write_reports(set.records, set.count, junit, sarif) != 0)
        failed = true;
    status = kb_cli_exit_status(set.records, set.count, missing, fail_on) |
             (failed ? KB_CLI_EXIT_UNREADABLE : 0);
    for (size_t i = 0; i < set.count; i++)
        json_decref(set.records[i]);
    free(set.records);
    return status;
}
