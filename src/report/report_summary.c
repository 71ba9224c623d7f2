/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report_summary.c - the end-of-run table of a batch: how many images got each verdict, and
 * which images are broken, at-risk or unknown, with their one-sentence summaries.
 */
#include <string.h>

#include "report/report.h"

/* A string member of a record, or "" (a record from another machine may lack it). */
static const char *member(const json_t *record, const char *name)
{
    const char *s = json_string_value(json_object_get(record, name));
    return s != NULL ? s : "";
}

static kb_verdict_kind record_kind(const json_t *record)
{
    kb_verdict_kind kind;

    if (!kb_verdict_kind_parse(member(record, "verdict"), &kind))
        return KB_VERDICT_UNKNOWN;
    return kind;
}

/* Prints s with control characters as '?' (image paths are untrusted). */
static void put_clean(FILE *out, const char *s)
{
    for (; *s != '\0'; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

kb_status kb_report_write_summary(FILE *out, json_t *const *records, size_t count,
                                  const char *extra, kb_error *err)
{
    static const kb_verdict_kind order[] = {KB_VERDICT_BROKEN, KB_VERDICT_AT_RISK,
                                            KB_VERDICT_UNKNOWN, KB_VERDICT_SAFE,
                                            KB_VERDICT_NOT_APPLICABLE};
    size_t counts[KB_VERDICT_KIND_COUNT] = {0};

    for (size_t i = 0; i < count; i++)
        counts[record_kind(records[i])]++;
    fprintf(out, "Summary: %zu image%s\n", count, count == 1 ? "" : "s");
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
        fprintf(out, "  %-15s %6zu\n", kb_verdict_kind_name(order[k]), counts[order[k]]);
    for (size_t k = 0; k < 3; k++) {
        if (counts[order[k]] == 0)
            continue;
        fprintf(out, "%s:\n", kb_verdict_kind_name(order[k]));
        for (size_t i = 0; i < count; i++) {
            if (record_kind(records[i]) != order[k])
                continue;
            fputs("  ", out);
            put_clean(out, member(records[i], "image"));
            fputs(": ", out);
            put_clean(out, member(records[i], "summary"));
            fputc('\n', out);
        }
    }
    if (extra != NULL)
        fputs(extra, out);
    if (fflush(out) != 0 || ferror(out))
        return kb_error_set(err, KB_ERR_IO, "cannot write the summary");
    return KB_OK;
}
