/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.c - from JSON records to the exit status (--fail-on), and the CI report files
 * (--junit, --sarif) written atomically.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/text.h"

bool kb_cli_fail_on_parse(const char *name, kb_cli_fail_on *out)
{
    if (strcmp(name, "unknown") == 0)
        *out = KB_FAIL_ON_UNKNOWN;
    else if (strcmp(name, "at-risk") == 0)
        *out = KB_FAIL_ON_AT_RISK;
    else if (strcmp(name, "broken") == 0)
        *out = KB_FAIL_ON_BROKEN;
    else if (strcmp(name, "never") == 0)
        *out = KB_FAIL_ON_NEVER;
    else
        return false;
    return true;
}

kb_image_outcome kb_cli_record_outcome(const json_t *record)
{
    kb_image_outcome outcome = {false, KB_VERDICT_UNKNOWN};
    const json_t *first = json_array_get(json_object_get(record, "reasons"), 0);
    const char *fact = json_string_value(json_object_get(first, "fact"));
    const char *verdict = json_string_value(json_object_get(record, "verdict"));

    if (verdict == NULL || !kb_verdict_kind_parse(verdict, &outcome.kind))
        outcome.kind = KB_VERDICT_UNKNOWN;
    /* kb_image_result_finish gives an image that could not be opened exactly one decisive
     * reason, image.open (docs/json-schema.md). */
    outcome.open_failed = outcome.kind == KB_VERDICT_UNKNOWN && fact != NULL &&
                          strcmp(fact, "image.open") == 0;
    return outcome;
}

int kb_cli_exit_status(json_t *const *records, size_t count, size_t missing,
                       kb_cli_fail_on policy)
{
    int status = 0, keep;

    for (size_t i = 0; i < count; i++) {
        kb_image_outcome outcome = kb_cli_record_outcome(records[i]);

        status |= kb_verdict_exit_status(&outcome, 1);
    }
    if (missing > 0)
        status |= KB_EXIT_UNKNOWN;
    switch (policy) {
    case KB_FAIL_ON_NEVER:
        keep = 0;
        break;
    case KB_FAIL_ON_BROKEN:
        keep = KB_EXIT_BROKEN;
        break;
    case KB_FAIL_ON_AT_RISK:
        keep = KB_EXIT_BROKEN | KB_EXIT_AT_RISK;
        break;
    default:
        keep = KB_EXIT_BROKEN | KB_EXIT_AT_RISK | KB_EXIT_UNKNOWN | KB_EXIT_OPEN_FAILED;
        break;
    }
    return status & keep;
}

typedef kb_status (*report_writer)(FILE *out, json_t *const *records, size_t count,
                                   kb_error *err);

static kb_status write_sarif(FILE *out, json_t *const *records, size_t count, kb_error *err)
{
    return kb_report_write_sarif(out, records, count, kb_version(), err);
}

/* Writes path.partial, then renames it over path: readers never see half a report. */
static int write_atomically(const char *path, report_writer writer, json_t *const *records,
                            size_t count)
{
    size_t len = strlen(path) + sizeof(".partial");
    char *partial = malloc(len);
    FILE *out = NULL;
    kb_error err;
    int rc = -1;

    kb_error_clear(&err);
    if (partial == NULL || !kb_str_join3(partial, len, path, ".partial", "")) {
        fprintf(stderr, "%s: %s: out of memory\n", KB_CLI_PROGRAM, path);
        goto out;
    }
    out = fopen(partial, "w");
    if (out == NULL) {
        fprintf(stderr, "%s: %s: cannot create: %s\n", KB_CLI_PROGRAM, partial, strerror(errno));
        goto out;
    }
    if (writer(out, records, count, &err) != KB_OK) {
        fprintf(stderr, "%s: %s: %s\n", KB_CLI_PROGRAM, partial, err.message);
        goto out;
    }
    if (fclose(out) != 0) {
        out = NULL;
        fprintf(stderr, "%s: %s: cannot write: %s\n", KB_CLI_PROGRAM, partial, strerror(errno));
        goto out;
    }
    out = NULL;
    if (rename(partial, path) != 0) {
        fprintf(stderr, "%s: %s: cannot rename to %s: %s\n", KB_CLI_PROGRAM, partial, path,
                strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (out != NULL)
        fclose(out);
    if (rc != 0 && partial != NULL)
        (void)remove(partial);
    free(partial);
    return rc;
}

int kb_cli_write_reports(json_t *const *records, size_t count, const char *junit_path,
                         const char *sarif_path)
{
    int rc = 0;

    if (junit_path != NULL && write_atomically(junit_path, kb_report_write_junit, records, count) != 0)
        rc = -1;
    if (sarif_path != NULL && write_atomically(sarif_path, write_sarif, records, count) != 0)
        rc = -1;
    return rc;
}
