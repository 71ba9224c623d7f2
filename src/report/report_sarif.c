/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report_sarif.c - SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format) for code
 * scanning dashboards: one result per image that is not safe or not-applicable, its ruleId
 * the verdict, its location the image path. Built with jansson, so escaping is jansson's.
 */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

static const struct {
    const char *id;
    const char *level;
    const char *text;
} rules[] = {
    {"broken", "error",
     "IIS 6 cannot start: the binary mismatch with KB973917 (or a dependent update) installed, "
     "or a w3core.dll import missing from iisutil.dll"},
    {"at-risk", "error",
     "Windows Server 2003 SP2 with pre-SP2 IIS binaries: KB973917 would break IIS"},
    {"unknown", "warning", "a fact the decision needs could not be read"},
};

static const char *member(const json_t *record, const char *name)
{
    const char *s = json_string_value(json_object_get(record, name));
    return s != NULL ? s : "";
}

/* RFC 3986: keep unreserved characters and '/', percent-encode every other byte, so that any
 * path (spaces, '#', '%', non-ASCII) is a valid relative URI reference. Caller frees. */
static char *path_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(path);
    char *uri = malloc(len * 3 + 1), *p = uri;

    if (uri == NULL)
        return NULL;
    for (const unsigned char *s = (const unsigned char *)path; *s != '\0'; s++) {
        if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
            *s == '-' || *s == '.' || *s == '_' || *s == '~' || *s == '/') {
            *p++ = (char)*s;
        } else {
            *p++ = '%';
            *p++ = hex[*s >> 4];
            *p++ = hex[*s & 15];
        }
    }
    *p = '\0';
    return uri;
}

static json_t *result_json(const json_t *record, size_t rule)
{
    char *uri = path_uri(member(record, "image"));
    json_t *result;

    if (uri == NULL)
        return NULL;
    result = json_pack("{s:s, s:i, s:s, s:{s:s}, s:[{s:{s:{s:s}}}], s:{s:s}}", "ruleId",
                       rules[rule].id, "ruleIndex", (json_int_t)rule, "level", rules[rule].level,
                       "message", "text", member(record, "summary"), "locations",
                       "physicalLocation", "artifactLocation", "uri", uri, "properties",
                       "image", member(record, "image"));
    free(uri);
    return result;
}

kb_status kb_report_write_sarif(FILE *out, json_t *const *records, size_t count,
                                const char *tool_version, kb_error *err)
{
    json_t *doc = NULL, *rule_list = json_array(), *results = json_array();
    kb_status st = KB_OK;

    if (rule_list == NULL || results == NULL) {
        st = kb_error_set(err, KB_ERR_NOMEM, "no memory for the SARIF report");
        goto out;
    }
    for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
        if (json_array_append_new(rule_list,
                                  json_pack("{s:s, s:{s:s}, s:{s:s}}", "id", rules[r].id,
                                            "shortDescription", "text", rules[r].text,
                                            "defaultConfiguration", "level",
                                            rules[r].level)) != 0) {
            st = kb_error_set(err, KB_ERR_NOMEM, "no memory for the SARIF rules");
            goto out;
        }
    }
    for (size_t i = 0; i < count; i++) {
        const char *verdict = member(records[i], "verdict");

        for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
            if (strcmp(verdict, rules[r].id) != 0)
                continue;
            if (json_array_append_new(results, result_json(records[i], r)) != 0) {
                st = kb_error_set(err, KB_ERR_NOMEM, "no memory for the SARIF results");
                goto out;
            }
        }
    }
    doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:o}]}", "$schema", SARIF_SCHEMA,
                    "version", "2.1.0", "runs", "tool", "driver", "name", "kbprobe", "version",
                    tool_version != NULL ? tool_version : "", "informationUri",
                    "https://support.microsoft.com/kb/973917", "rules", rule_list, "results",
                    results);
    rule_list = results = NULL; /* "o" stole them, even when json_pack failed */
    if (doc == NULL) {
        st = kb_error_set(err, KB_ERR_NOMEM, "no memory for the SARIF report");
        goto out;
    }
    if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', out) == EOF ||
        fflush(out) != 0 || ferror(out))
        st = kb_error_set(err, KB_ERR_IO, "cannot write the SARIF report");
out:
    json_decref(rule_list);
    json_decref(results);
    json_decref(doc);
    return st;
}
