/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report_json.c - the "kbprobe/scan/1" JSON of an image result (docs/json-schema.md).
 *
 * Every object is built with the reference-stealing jansson calls (json_object_set_new,
 * json_array_append_new); a NULL from a constructor (no memory) propagates up through a
 * failed set and makes kb_report_json return NULL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/text.h"

/* A JSON string of s; bytes that do not form valid UTF-8 become '?' (jansson refuses them). */
static json_t *jstr(const char *s)
{
    json_t *j;
    char *copy;
    size_t n, i = 0;

    if (s == NULL)
        return json_null();
    j = json_string(s);
    if (j != NULL)
        return j;
    n = strlen(s);
    copy = malloc(n + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, n + 1);
    while (i < n) {
        const unsigned char c = (unsigned char)copy[i];
        size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                                 : (c & 0xf8) == 0xf0 ? 4 : 0;
        bool ok = len > 0 && len <= n - i;

        for (size_t k = 1; ok && k < len; k++)
            ok = ((unsigned char)copy[i + k] & 0xc0) == 0x80;
        if (ok && len > 1) {
            /* reject overlong forms, surrogates and values past U+10FFFF the way jansson does:
             * simplest is to test the sequence alone */
            char one[5] = {0};

            memcpy(one, copy + i, len);
            json_t *probe = json_string(one);
            ok = probe != NULL;
            json_decref(probe);
        }
        if (!ok) {
            copy[i] = '?';
            len = 1;
        }
        i += len;
    }
    j = json_string(copy);
    free(copy);
    return j;
}

/* A string, or null when empty. */
static json_t *jstr_or_null(const char *s)
{
    return s == NULL || s[0] == '\0' ? json_null() : jstr(s);
}

static json_t *jint(uint64_t v)
{
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static int set(json_t *obj, const char *key, json_t *value)
{
    if (obj == NULL || value == NULL) {
        json_decref(value);
        return -1;
    }
    return json_object_set_new(obj, key, value);
}

static json_t *state_json(kb_fact_state state)
{
    return json_string(kb_fact_state_name(state));
}

static json_t *string_fact_json(const kb_fact_string *f)
{
    json_t *o = json_object();

    set(o, "state", state_json(f->state));
    set(o, "value", f->state == KB_FACT_PRESENT ? jstr(f->value) : json_null());
    set(o, "where", jstr_or_null(f->where));
    set(o, "reason", f->state == KB_FACT_ERROR ? jstr(f->reason) : json_null());
    return o;
}

static json_t *dword_fact_json(const kb_fact_dword *f)
{
    json_t *o = json_object();

    set(o, "state", state_json(f->state));
    set(o, "value", f->state == KB_FACT_PRESENT ? json_integer(f->value) : json_null());
    set(o, "where", jstr_or_null(f->where));
    set(o, "reason", f->state == KB_FACT_ERROR ? jstr(f->reason) : json_null());
    return o;
}

static json_t *hive_fact_json(const kb_fact_hive *f)
{
    json_t *o = json_object();

    set(o, "state", state_json(f->state));
    set(o, "path", jstr(f->path));
    set(o, "reason", f->state == KB_FACT_ERROR ? jstr(f->reason) : json_null());
    if (f->state == KB_FACT_PRESENT) {
        set(o, "dirty", json_boolean(f->dirty));
        set(o, "sequence", json_pack("[II]", (json_int_t)f->primary_sequence,
                                     (json_int_t)f->secondary_sequence));
        set(o, "log_present", json_boolean(f->log_present));
        set(o, "log_size", f->log_present ? json_integer((json_int_t)f->log_size)
                                          : json_null());
        set(o, "health", f->health_reason[0] != '\0' ? jstr(f->health_reason) : json_null());
    }
    return o;
}

static json_t *version_json(const kb_file_version *v)
{
    char text[32];

    kb_file_version_format(v, text, sizeof(text));
    return json_string(text);
}

static json_t *pe_json(const kb_pe_fact *pe, bool os_file)
{
    json_t *o = json_object();
    bool versioned = pe->state == KB_FACT_PRESENT && pe->version_state == KB_FACT_PRESENT;
    char lab[KB_FACT_TEXT_BYTES], branch[KB_FACT_BRANCH_BYTES];
    int level = KB_SP_UNKNOWN;

    if (versioned) {
        level = os_file ? kb_facts_os_sp_level(&pe->file_version)
                        : kb_facts_iis_sp_level(&pe->file_version);
        if (level == KB_SP_UNKNOWN)
            level = os_file ? kb_facts_iis_sp_level(&pe->file_version)
                            : kb_facts_os_sp_level(&pe->file_version);
    }
    if (kb_facts_build_lab_from_file_version(pe->file_version_string, lab, sizeof(lab)) != KB_OK)
        lab[0] = '\0';
    if (kb_facts_branch_from_build_lab(lab, branch, sizeof(branch)) != KB_OK)
        branch[0] = '\0';

    set(o, "state", state_json(pe->state));
    set(o, "reason", pe->state == KB_FACT_ERROR ? jstr(pe->reason) : json_null());
    set(o, "partition", pe->from_host ? json_null() : json_integer(pe->partition_index));
    set(o, "from_host", json_boolean(pe->from_host));
    set(o, "path", jstr(pe->path));
    if (pe->state != KB_FACT_PRESENT)
        return o;
    set(o, "mft_entry", pe->from_host ? json_null() : jint(pe->mft_entry));
    set(o, "size", jint(pe->size));
    set(o, "sha256", jstr_or_null(pe->sha256));
    set(o, "machine", jstr_or_null(pe->machine));
    set(o, "version_state", state_json(pe->version_state));
    set(o, "version_reason",
        pe->version_state == KB_FACT_ERROR ? jstr(pe->version_reason) : json_null());
    set(o, "file_version", versioned ? version_json(&pe->file_version) : json_null());
    set(o, "product_version", versioned ? version_json(&pe->product_version) : json_null());
    set(o, "file_version_string", jstr_or_null(pe->file_version_string));
    set(o, "build_lab", jstr_or_null(lab));
    set(o, "branch", jstr_or_null(branch));
    set(o, "original_filename", jstr_or_null(pe->original_filename));
    set(o, "company_name", jstr_or_null(pe->company_name));
    set(o, "sp_level", level == KB_SP_UNKNOWN ? json_null() : json_string(kb_sp_level_name(level)));
    return o;
}

static json_t *import_json(const kb_import_fact *imp)
{
    json_t *o = json_object(), *names = json_array();

    set(o, "state", state_json(imp->state));
    set(o, "reason", imp->state == KB_FACT_ERROR ? jstr(imp->reason) : json_null());
    if (imp->state != KB_FACT_PRESENT) {
        json_decref(names);
        return o;
    }
    set(o, "imported", json_integer(imp->imported));
    set(o, "unresolved", json_integer(imp->unresolved));
    for (uint32_t i = 0; names != NULL && i < imp->listed && i < KB_MAX_REPORTED_UNRESOLVED; i++) {
        if (json_array_append_new(names, jstr(imp->unresolved_names[i])) != 0) {
            json_decref(names);
            names = NULL;
        }
    }
    set(o, "unresolved_names", names);
    return o;
}

static json_t *dir_json(const kb_iis_dir_facts *d)
{
    json_t *o = json_object(), *files;

    set(o, "state", state_json(d->state));
    set(o, "reason", d->state == KB_FACT_ERROR ? jstr(d->reason) : json_null());
    set(o, "partition", json_integer(d->partition_index));
    set(o, "path", jstr(d->path));
    set(o, "iisutil", pe_json(&d->iisutil, false));
    set(o, "w3core", pe_json(&d->w3core, false));
    set(o, "imports", import_json(&d->imports));
    set(o, "candidate_imports",
        d->candidate_imports.state == KB_FACT_NOT_READ ? json_null()
                                                       : import_json(&d->candidate_imports));
    set(o, "files_state", state_json(d->files_state));
    set(o, "files_reason", d->files_state == KB_FACT_ERROR ? jstr(d->files_reason) : json_null());
    files = json_array();
    for (size_t i = 0; files != NULL && i < d->file_count; i++) {
        if (json_array_append_new(files, pe_json(&d->files[i], false)) != 0) {
            json_decref(files);
            files = NULL;
        }
    }
    set(o, "files", files);
    return o;
}

static json_t *windows_json(const kb_install_facts *f)
{
    json_t *o = json_object();
    int csd = kb_facts_csd_level(&f->os.csd_version);
    char branch[KB_FACT_BRANCH_BYTES];

    set(o, "product_name", string_fact_json(&f->os.product_name));
    set(o, "current_version", string_fact_json(&f->os.current_version));
    set(o, "current_build_number", string_fact_json(&f->os.current_build_number));
    set(o, "csd_version", string_fact_json(&f->os.csd_version));
    set(o, "build_lab", string_fact_json(&f->os.build_lab));
    set(o, "system_root", string_fact_json(&f->os.system_root));
    set(o, "service_pack", csd == KB_SP_UNKNOWN ? json_null() : json_string(kb_sp_level_name(csd)));
    if (f->os.build_lab.state != KB_FACT_PRESENT ||
        kb_facts_branch_from_build_lab(f->os.build_lab.value, branch, sizeof(branch)) != KB_OK)
        branch[0] = '\0';
    set(o, "branch", jstr_or_null(branch));
    set(o, "kernel32", pe_json(&f->os.kernel32, true));
    set(o, "ntdll", pe_json(&f->os.ntdll, true));
    return o;
}

static json_t *iis_json(const kb_install_facts *f)
{
    const kb_iis_facts *iis = &f->iis;
    json_t *o = json_object();

    set(o, "major_version", dword_fact_json(&iis->major_version));
    set(o, "minor_version", dword_fact_json(&iis->minor_version));
    set(o, "oc_iis_www", dword_fact_json(&iis->oc_iis_www));
    set(o, "control_set", string_fact_json(&iis->control_set));
    set(o, "w3svc_start", dword_fact_json(&iis->w3svc_start));
    set(o, "source_path", string_fact_json(&iis->source_path));
    set(o, "service_pack_source_path", string_fact_json(&iis->service_pack_source_path));
    set(o, "system32", dir_json(&iis->native));
    set(o, "syswow64", iis->wow64.state == KB_FACT_NOT_READ && iis->wow64.iisutil.state ==
                                                                   KB_FACT_NOT_READ
                           ? json_null()
                           : dir_json(&iis->wow64));
    return o;
}

static json_t *updates_json(const kb_install_facts *f)
{
    static const char *const labels[KB_UPDATE_WHERE_COUNT] = {"Updates", "HotFix", "Uninstall",
                                                              "$NtUninstall"};
    json_t *list = json_array();

    for (size_t i = 0; list != NULL && i < f->update_count; i++) {
        const kb_update_fact *u = &f->updates[i];
        json_t *o = json_object(), *seen = json_array(), *where = json_object();

        for (int w = 0; w < KB_UPDATE_WHERE_COUNT; w++) {
            if ((u->seen & (1u << w)) == 0)
                continue;
            if (seen != NULL)
                json_array_append_new(seen, json_string(labels[w]));
            set(where, labels[w], jstr(u->where[w]));
        }
        set(o, "id", jstr(u->id));
        set(o, "seen", seen);
        set(o, "where", where);
        set(o, "installed_on", jstr_or_null(u->installed_on));
        set(o, "description", jstr_or_null(u->description));
        if (o == NULL || json_array_append_new(list, o) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return list;
}

static json_t *reasons_json(const kb_verdict *v)
{
    json_t *list = json_array();

    for (size_t i = 0; list != NULL && i < v->reason_count; i++) {
        const kb_verdict_reason *r = &v->reasons[i];
        json_t *o = json_object();

        set(o, "role", json_string(kb_reason_role_name(r->role)));
        set(o, "fact", jstr(r->fact));
        set(o, "value", jstr(r->value));
        set(o, "where", jstr_or_null(r->where));
        set(o, "text", jstr(r->text));
        if (o == NULL || json_array_append_new(list, o) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return list;
}

static json_t *evidence_json(const kb_verdict *v)
{
    json_t *list = json_array();

    for (size_t i = 0; list != NULL && i < v->evidence_count; i++) {
        const kb_verdict_evidence *e = &v->evidence[i];
        json_t *o = json_object();

        set(o, "kind", jstr(e->kind));
        set(o, "fact", jstr(e->fact));
        set(o, "where", jstr(e->where));
        set(o, "detail", jstr(e->detail));
        if (o == NULL || json_array_append_new(list, o) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return list;
}

static json_t *flags_json(unsigned flags)
{
    json_t *list = json_array();

    for (unsigned i = 0; list != NULL && i < KB_VERDICT_FLAG_COUNT; i++) {
        if (flags & (1u << i))
            json_array_append_new(list, json_string(kb_verdict_flag_name(1u << i)));
    }
    return list;
}

/* The verdict fields, set into `o` (shared by the image and each installation). */
static void verdict_into(json_t *o, const kb_verdict *v)
{
    set(o, "verdict", json_string(kb_verdict_kind_name(v->kind)));
    set(o, "summary", jstr(v->summary));
    set(o, "flags", flags_json(v->flags));
    set(o, "reasons", reasons_json(v));
    set(o, "evidence", evidence_json(v));
    set(o, "remedy", jstr_or_null(v->remedy));
}

static json_t *installation_json(const kb_install_result *ir)
{
    const kb_install_facts *f = &ir->facts;
    json_t *o = json_object(), *hives = json_object();

    set(o, "partition", json_integer(f->partition_index));
    set(o, "partition_offset", jint(f->partition_offset));
    set(o, "windows_dir", jstr(f->windows_dir));
    verdict_into(o, &ir->verdict);
    set(hives, "software", hive_fact_json(&f->software_hive));
    set(hives, "system", hive_fact_json(&f->system_hive));
    set(o, "hives", hives);
    set(o, "windows", windows_json(f));
    set(o, "iis", iis_json(f));
    set(o, "updates_state", state_json(f->updates_state));
    set(o, "updates_reason", f->updates_state == KB_FACT_ERROR ? jstr(f->updates_reason)
                                                              : json_null());
    set(o, "updates", updates_json(f));
    set(o, "candidate", f->candidate.state == KB_FACT_NOT_READ ? json_null()
                                                               : pe_json(&f->candidate, false));
    return o;
}

/* "chain": the files of the image, child first ([] when it could not be opened). */
static json_t *chain_json(const kb_image_facts *image)
{
    json_t *list = json_array();

    for (unsigned i = 0; list != NULL && i < image->chain_count && i < KB_MAX_CHAIN_FILES; i++) {
        if (json_array_append_new(list, jstr(image->chain[i])) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

/* Milliseconds rounded to microseconds, so the figures stay readable. */
static json_t *jms(double ms)
{
    return json_real((double)(long long)(ms * 1000.0 + 0.5) / 1000.0);
}

/* "stats" (scan --stats): what the scan cost. */
static json_t *stats_json(const kb_scan_stats *stats)
{
    json_t *o = json_object(), *phases = json_object();
    int failed = 0;

    for (int p = 0; p < KB_PHASE_COUNT; p++)
        failed |= set(phases, kb_scan_phase_name((kb_scan_phase)p), jms(stats->phase_ms[p]));
    if (failed != 0) {
        json_decref(o);
        return NULL;
    }
    failed |= set(o, "bytes_read", jint(stats->bytes_read));
    failed |= set(o, "read_calls", jint(stats->read_calls));
    failed |= set(o, "total_ms", jms(stats->total_ms));
    failed |= set(o, "phase_ms", phases);
    failed |= set(o, "peak_rss_kib", json_integer(stats->peak_rss_kib));
    if (failed != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *kb_report_json(const kb_image_result *result)
{
    json_t *o = json_object(), *list;
    const kb_install_result *decider = NULL;
    int failed = 0;

    if (result->deciding < result->installation_count)
        decider = &result->installations[result->deciding];
    failed |= set(o, "schema", json_string(KB_REPORT_SCHEMA));
    failed |= set(o, "image", jstr(result->image.path));
    failed |= set(o, "format", jstr_or_null(result->image.format));
    failed |= set(o, "size", jint(result->image.size));
    failed |= set(o, "segments", json_integer(result->image.segment_count));
    failed |= set(o, "chain", chain_json(&result->image));
    failed |= set(o, "partitions_seen", json_integer(result->partitions_seen));
    failed |= set(o, "error", jstr_or_null(result->error));
    failed |= set(o, "verdict", json_string(kb_verdict_kind_name(result->overall.kind)));
    failed |= set(o, "summary", jstr(result->overall.summary));
    failed |= set(o, "flags", flags_json(result->overall.flags));
    failed |= set(o, "reasons", reasons_json(&result->overall));
    failed |= set(o, "evidence", evidence_json(&result->overall));
    failed |= set(o, "remedy", jstr_or_null(result->overall.remedy));
    failed |= set(o, "deciding_installation",
                  decider != NULL ? json_integer((json_int_t)result->deciding) : json_null());
    failed |= set(o, "windows", decider != NULL ? windows_json(&decider->facts) : json_null());
    failed |= set(o, "iis", decider != NULL ? iis_json(&decider->facts) : json_null());
    failed |= set(o, "updates", decider != NULL ? updates_json(&decider->facts) : json_null());
    list = json_array();
    for (size_t i = 0; list != NULL && i < result->installation_count; i++) {
        if (json_array_append_new(list, installation_json(&result->installations[i])) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    failed |= set(o, "installations", list);
    if (result->stats.report)
        failed |= set(o, "stats", stats_json(&result->stats));
    if (failed != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static kb_status dump(FILE *out, json_t *doc, size_t flags, kb_error *err)
{
    int rc = json_dumpf(doc, out, flags);

    json_decref(doc);
    if (rc != 0 || fputc('\n', out) == EOF || ferror(out))
        return kb_error_set(err, KB_ERR_IO, "cannot write the JSON report");
    return KB_OK;
}

kb_status kb_report_write_json(FILE *out, const kb_image_result *results, size_t count,
                               kb_error *err)
{
    json_t *doc = json_object(), *images = json_array();

    if (doc == NULL || images == NULL) {
        json_decref(doc);
        json_decref(images);
        return kb_error_set(err, KB_ERR_NOMEM, "no memory for the JSON report");
    }
    for (size_t i = 0; i < count; i++) {
        json_t *one = kb_report_json(&results[i]);

        if (one == NULL || json_array_append_new(images, one) != 0) {
            json_decref(doc);
            json_decref(images);
            return kb_error_set(err, KB_ERR_NOMEM, "no memory for the JSON report");
        }
    }
    if (set(doc, "schema", json_string(KB_REPORT_SCHEMA)) != 0) {
        json_decref(doc);
        json_decref(images);
        return kb_error_set(err, KB_ERR_NOMEM, "no memory for the JSON report");
    }
    if (set(doc, "images", images) != 0) { /* set() consumed images */
        json_decref(doc);
        return kb_error_set(err, KB_ERR_NOMEM, "no memory for the JSON report");
    }
    return dump(out, doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER, err);
}

kb_status kb_report_write_jsonl(FILE *out, const kb_image_result *result, kb_error *err)
{
    json_t *doc = kb_report_json(result);

    if (doc == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "no memory for the JSON report");
    /* JSON_COMPACT without indentation writes no newline; control characters inside strings
     * are escaped, so the object is one line */
    return dump(out, doc, JSON_COMPACT | JSON_PRESERVE_ORDER, err);
}
