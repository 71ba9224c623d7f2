/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report_junit.c - JUnit XML for CI systems (GitHub Actions, GitLab, Jenkins): one testcase
 * per image, failing when the image is at-risk, broken or unknown. The de-facto schema is the
 * one Jenkins and GitLab read: testsuites > testsuite > testcase > failure(message, type).
 */
#include <string.h>

#include "report/report.h"

static const char *member(const json_t *record, const char *name)
{
    const char *s = json_string_value(json_object_get(record, name));
    return s != NULL ? s : "";
}

/* XML 1.0 text and attribute escaping; control characters other than tab and newline are
 * not allowed in XML 1.0 at all, so they become '?'. The input is UTF-8 (the JSON writers
 * replaced invalid bytes). */
static void put_xml(FILE *out, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '&')
            fputs("&amp;", out);
        else if (c == '<')
            fputs("&lt;", out);
        else if (c == '>')
            fputs("&gt;", out);
        else if (c == '"')
            fputs("&quot;", out);
        else if (c == '\'')
            fputs("&apos;", out);
        else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
            fputc('?', out);
        else
            fputc(c, out);
    }
}

static bool is_failure(const char *verdict)
{
    return strcmp(verdict, "safe") != 0 && strcmp(verdict, "not-applicable") != 0;
}

kb_status kb_report_write_junit(FILE *out, json_t *const *records, size_t count, kb_error *err)
{
    size_t failures = 0;

    for (size_t i = 0; i < count; i++)
        if (is_failure(member(records[i], "verdict")))
            failures++;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<testsuites name=\"kbprobe\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
            count, failures);
    fprintf(out,
            "  <testsuite name=\"kbprobe scan\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
            "skipped=\"0\">\n",
            count, failures);
    for (size_t i = 0; i < count; i++) {
        const json_t *reasons = json_object_get(records[i], "reasons");
        const char *verdict = member(records[i], "verdict");
        size_t r;
        json_t *reason;

        fputs("    <testcase classname=\"kbprobe.scan\" name=\"", out);
        put_xml(out, member(records[i], "image"));
        fputs("\">\n", out);
        fputs("      <system-out>", out);
        put_xml(out, verdict);
        fputs(": ", out);
        put_xml(out, member(records[i], "summary"));
        fputs("</system-out>\n", out);
        if (is_failure(verdict)) {
            fputs("      <failure type=\"", out);
            put_xml(out, verdict);
            fputs("\" message=\"", out);
            put_xml(out, member(records[i], "summary"));
            fputs("\">", out);
            json_array_foreach(reasons, r, reason) {
                put_xml(out, member(reason, "role"));
                fputs(" ", out);
                put_xml(out, member(reason, "fact"));
                fputs(" = ", out);
                put_xml(out, member(reason, "value"));
                fputs(": ", out);
                put_xml(out, member(reason, "text"));
                fputs("\n", out);
            }
            fputs("</failure>\n", out);
        }
        fputs("    </testcase>\n", out);
    }
    fputs("  </testsuite>\n</testsuites>\n", out);
    if (fflush(out) != 0 || ferror(out))
        return kb_error_set(err, KB_ERR_IO, "cannot write the JUnit report");
    return KB_OK;
}
