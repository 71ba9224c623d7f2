/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report_text.c - the report for people. The verdict and its one sentence come first, then
 * the evidence per installation, the reasons, and the remedy.
 *
 * Every line is formatted whole into a buffer and then passed through kb_sanitize_printable
 * before it is written, so a name from the image cannot carry a newline, an escape sequence
 * or any other control character to the terminal. The writer adds the line's newline itself.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "util/text.h"

#define LINE_BYTES 4096

typedef struct writer {
    FILE *out;
    bool failed;
} writer;

static void line(writer *w, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void line(writer *w, const char *format, ...)
{
    char buf[LINE_BYTES];
    va_list ap;

    va_start(ap, format);
    vsnprintf(buf, sizeof(buf), format, ap);
    va_end(ap);
    kb_sanitize_printable(buf);
    if (fputs(buf, w->out) == EOF || fputc('\n', w->out) == EOF)
        w->failed = true;
}

static void blank(writer *w)
{
    if (fputc('\n', w->out) == EOF)
        w->failed = true;
}

/* A text version of a string fact: "value", "(absent)", "(unreadable: reason)". */
static const char *string_fact_text(const kb_fact_string *f, char *buf, size_t size)
{
    switch (f->state) {
    case KB_FACT_PRESENT:
        return f->value;
    case KB_FACT_ABSENT:
        return "(absent)";
    case KB_FACT_ERROR:
        snprintf(buf, size, "(unreadable: %s)", f->reason);
        return buf;
    case KB_FACT_NOT_READ:
    default:
        return "(not read)";
    }
}

static const char *dword_fact_text(const kb_fact_dword *f, char *buf, size_t size)
{
    switch (f->state) {
    case KB_FACT_PRESENT:
        snprintf(buf, size, "%u", (unsigned)f->value);
        return buf;
    case KB_FACT_ABSENT:
        return "(absent)";
    case KB_FACT_ERROR:
        snprintf(buf, size, "(unreadable: %s)", f->reason);
        return buf;
    case KB_FACT_NOT_READ:
    default:
        return "(not read)";
    }
}

static const char *start_type_name(const kb_fact_dword *f)
{
    if (f->state != KB_FACT_PRESENT)
        return "";
    switch (f->value) {
    case 2:
        return " (automatic)";
    case 3:
        return " (manual)";
    case 4:
        return " (disabled)";
    default:
        return "";
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '\\');
    const char *fwd = strrchr(path, '/');

    if (fwd != NULL && (slash == NULL || fwd > slash))
        slash = fwd;
    return slash != NULL ? slash + 1 : path;
}

/* One file: "iisutil.dll  6.0.3790.1830 SP1 srv03_sp1_rtm  sha256 ab..  (partition 1: \...)" */
static void pe_lines(writer *w, const char *indent, const kb_pe_fact *pe, bool os_file)
{
    char where[KB_MAX_PATH_BYTES + 32], version[32], branch[KB_FACT_BRANCH_BYTES];
    int level;

    kb_pe_fact_where(pe, where, sizeof(where));
    if (pe->state == KB_FACT_NOT_READ)
        return;
    if (pe->state != KB_FACT_PRESENT) {
        line(w, "%s%-13s %s%s%s", indent, base_name(pe->path),
             pe->state == KB_FACT_ABSENT ? "absent" : "unreadable: ",
             pe->state == KB_FACT_ERROR ? pe->reason : "", "");
        line(w, "%s%-13s at %s", indent, "", where);
        return;
    }
    if (pe->version_state != KB_FACT_PRESENT) {
        line(w, "%s%-13s no version (%s%s%s)", indent, base_name(pe->path),
             kb_fact_state_name(pe->version_state),
             pe->version_state == KB_FACT_ERROR ? ": " : "",
             pe->version_state == KB_FACT_ERROR ? pe->version_reason : "");
    } else {
        kb_file_version_format(&pe->file_version, version, sizeof(version));
        level = os_file ? kb_facts_os_sp_level(&pe->file_version)
                        : kb_facts_iis_sp_level(&pe->file_version);
        if (level == KB_SP_UNKNOWN)
            level = os_file ? kb_facts_iis_sp_level(&pe->file_version)
                            : kb_facts_os_sp_level(&pe->file_version);
        if (kb_facts_branch_from_build_lab(pe->file_version_string, branch, sizeof(branch)) !=
            KB_OK)
            snprintf(branch, sizeof(branch), "-");
        line(w, "%s%-13s %s  %s  %s  %s", indent, base_name(pe->path), version,
             kb_sp_level_name(level), branch, pe->machine[0] != '\0' ? pe->machine : "-");
    }
    line(w, "%s%-13s sha256 %s, %llu bytes, MFT entry %llu", indent, "",
         pe->sha256[0] != '\0' ? pe->sha256 : "-", (unsigned long long)pe->size,
         (unsigned long long)pe->mft_entry);
    line(w, "%s%-13s at %s", indent, "", where);
}

static void import_line(writer *w, const char *indent, const char *label,
                        const kb_import_fact *imp)
{
    switch (imp->state) {
    case KB_FACT_PRESENT:
        line(w, "%s%s: %u name%s from IISUTIL.DLL, %u unresolved", indent, label,
             (unsigned)imp->imported, imp->imported == 1 ? "" : "s", (unsigned)imp->unresolved);
        for (uint32_t i = 0; i < imp->listed && i < KB_MAX_REPORTED_UNRESOLVED; i++)
            line(w, "%s  missing: %s", indent, imp->unresolved_names[i]);
        if (imp->unresolved > imp->listed)
            line(w, "%s  ... and %u more", indent, (unsigned)(imp->unresolved - imp->listed));
        break;
    case KB_FACT_ERROR:
        line(w, "%s%s: not checked (%s)", indent, label, imp->reason);
        break;
    case KB_FACT_ABSENT:
        line(w, "%s%s: not checked (a file is missing)", indent, label);
        break;
    case KB_FACT_NOT_READ:
    default:
        break;
    }
}

static void dir_lines(writer *w, const kb_iis_dir_facts *d, const char *fallback)
{
    size_t counted[3] = {0, 0, 0};

    if (d->state == KB_FACT_NOT_READ && d->iisutil.state == KB_FACT_NOT_READ)
        return;
    line(w, "  Files in %s:%s", d->path[0] != '\0' ? d->path : fallback,
         d->state == KB_FACT_ABSENT ? " (directory absent)" : "");
    if (d->state == KB_FACT_ERROR)
        line(w, "    directory unreadable: %s", d->reason);
    if (d->state == KB_FACT_ABSENT)
        return;
    pe_lines(w, "    ", &d->iisutil, false);
    pe_lines(w, "    ", &d->w3core, false);
    import_line(w, "    ", "w3core.dll imports", &d->imports);
    import_line(w, "    ", "candidate w3core.dll imports", &d->candidate_imports);
    for (size_t i = 0; i < d->file_count; i++) {
        const kb_pe_fact *pe = &d->files[i];
        int level;

        if (pe->state != KB_FACT_PRESENT || pe->version_state != KB_FACT_PRESENT)
            continue;
        level = kb_facts_iis_sp_level(&pe->file_version);
        if (level == KB_SP_UNKNOWN)
            level = kb_facts_os_sp_level(&pe->file_version);
        if (level >= 0 && level <= 2)
            counted[level]++;
    }
    if (d->file_count > 0)
        line(w, "    %zu PE files: %zu RTM, %zu SP1, %zu SP2, %zu other", d->file_count,
             counted[0], counted[1], counted[2],
             d->file_count - counted[0] - counted[1] - counted[2]);
    else if (d->files_state == KB_FACT_ERROR)
        line(w, "    directory listing failed: %s", d->files_reason);
}

static void verdict_lines(writer *w, const kb_verdict *v)
{
    line(w, "  Reasons:");
    for (size_t i = 0; i < v->reason_count; i++) {
        const kb_verdict_reason *r = &v->reasons[i];

        line(w, "    [%s] %s = %s", kb_reason_role_name(r->role), r->fact, r->value);
        if (r->where[0] != '\0')
            line(w, "      at %s", r->where);
        line(w, "      %s", r->text);
    }
    if (v->flags != 0) {
        char flags[512];
        size_t used = 0;

        flags[0] = '\0';
        for (unsigned i = 0; i < KB_VERDICT_FLAG_COUNT; i++) {
            int n;

            if ((v->flags & (1u << i)) == 0)
                continue;
            n = snprintf(flags + used, sizeof(flags) - used, "%s%s", used > 0 ? ", " : "",
                         kb_verdict_flag_name(1u << i));
            if (n < 0 || (size_t)n >= sizeof(flags) - used)
                break;
            used += (size_t)n;
        }
        line(w, "  Flags: %s", flags);
    }
}

static void installation_lines(writer *w, const kb_install_result *ir, size_t index,
                               size_t count)
{
    const kb_install_facts *f = &ir->facts;
    char a[KB_FACT_REASON_BYTES + 32], b[KB_FACT_REASON_BYTES + 32], c[KB_FACT_REASON_BYTES + 32];
    int csd = kb_facts_csd_level(&f->os.csd_version);
    static const char *const where_labels[KB_UPDATE_WHERE_COUNT] = {"Updates", "HotFix",
                                                                    "Uninstall", "$NtUninstall"};

    blank(w);
    line(w, "Installation %zu of %zu: partition %u (offset %llu), %s: %s", index + 1, count,
         f->partition_index, (unsigned long long)f->partition_offset, f->windows_dir,
         kb_verdict_kind_name(ir->verdict.kind));
    if (count > 1)
        line(w, "  %s", ir->verdict.summary);
    if (f->software_hive.state != KB_FACT_PRESENT)
        line(w, "  SOFTWARE hive %s: %s", kb_fact_state_name(f->software_hive.state),
             f->software_hive.reason);
    if (f->system_hive.state == KB_FACT_ERROR || f->system_hive.state == KB_FACT_ABSENT)
        line(w, "  SYSTEM hive %s: %s", kb_fact_state_name(f->system_hive.state),
             f->system_hive.reason);
    if (f->software_hive.state == KB_FACT_PRESENT && f->software_hive.health_reason[0] != '\0')
        line(w, "  SOFTWARE hive may be stale: %s", f->software_hive.health_reason);
    if (f->system_hive.state == KB_FACT_PRESENT && f->system_hive.health_reason[0] != '\0')
        line(w, "  SYSTEM hive may be stale: %s", f->system_hive.health_reason);

    line(w, "  Windows: %s", string_fact_text(&f->os.product_name, a, sizeof(a)));
    line(w, "    version %s build %s, CSDVersion %s (%s)",
         string_fact_text(&f->os.current_version, a, sizeof(a)),
         string_fact_text(&f->os.current_build_number, b, sizeof(b)),
         string_fact_text(&f->os.csd_version, c, sizeof(c)), kb_sp_level_name(csd));
    line(w, "    BuildLab %s, SystemRoot %s", string_fact_text(&f->os.build_lab, a, sizeof(a)),
         string_fact_text(&f->os.system_root, b, sizeof(b)));
    pe_lines(w, "    ", &f->os.kernel32, true);
    pe_lines(w, "    ", &f->os.ntdll, true);

    line(w, "  IIS: InetStp %s.%s, iis_www %s",
         dword_fact_text(&f->iis.major_version, a, sizeof(a)),
         dword_fact_text(&f->iis.minor_version, b, sizeof(b)),
         dword_fact_text(&f->iis.oc_iis_www, c, sizeof(c)));
    line(w, "    W3SVC Start %s%s in %s", dword_fact_text(&f->iis.w3svc_start, a, sizeof(a)),
         start_type_name(&f->iis.w3svc_start),
         string_fact_text(&f->iis.control_set, b, sizeof(b)));
    line(w, "    SourcePath %s, ServicePackSourcePath %s",
         string_fact_text(&f->iis.source_path, a, sizeof(a)),
         string_fact_text(&f->iis.service_pack_source_path, b, sizeof(b)));
    dir_lines(w, &f->iis.native, "system32\\inetsrv");
    dir_lines(w, &f->iis.wow64, "SysWOW64\\inetsrv");
    if (f->candidate.state != KB_FACT_NOT_READ) {
        line(w, "  Candidate:");
        pe_lines(w, "    ", &f->candidate, false);
    }

    if (f->updates_state == KB_FACT_ERROR)
        line(w, "  Updates: unreadable (%s)", f->updates_reason);
    else if (f->updates_state == KB_FACT_NOT_READ)
        line(w, "  Updates: not read");
    else
        line(w, "  Updates: %zu installed", f->update_count);
    for (size_t i = 0; i < f->update_count; i++) {
        const kb_update_fact *u = &f->updates[i];
        bool relevant = kb_update_id_in_family(u->id, "KB973917") ||
                        kb_update_id_in_family(u->id, "KB982666");

        if (!relevant)
            continue;
        line(w, "    %s installed on %s", u->id,
             u->installed_on[0] != '\0' ? u->installed_on : "-");
        for (int k = 0; k < KB_UPDATE_WHERE_COUNT; k++) {
            if (u->seen & (1u << k))
                line(w, "      %s: %s", where_labels[k], u->where[k]);
        }
    }
    verdict_lines(w, &ir->verdict);
    if (count > 1 && ir->verdict.remedy[0] != '\0')
        line(w, "  Remedy: %s", ir->verdict.remedy);
}

kb_status kb_report_write_text(FILE *out, const kb_image_result *result, kb_error *err)
{
    writer w = {out, false};
    const kb_verdict *v = &result->overall;

    /* the verdict first, then one sentence */
    line(&w, "%s  %s", kb_verdict_kind_name(v->kind), result->image.path);
    line(&w, "  %s", v->summary);
    blank(&w);
    line(&w, "Image: %s (%s, %llu bytes, %u segment%s, %u partition%s)", result->image.path,
         result->image.format[0] != '\0' ? result->image.format : "unknown format",
         (unsigned long long)result->image.size, result->image.segment_count,
         result->image.segment_count == 1 ? "" : "s", result->partitions_seen,
         result->partitions_seen == 1 ? "" : "s");
    if (result->image.chain_count > 1) {
        line(&w, "Chain: %u files, child first:", result->image.chain_count);
        for (unsigned i = 0; i < result->image.chain_count && i < KB_MAX_CHAIN_FILES; i++)
            line(&w, "  %s", result->image.chain[i]);
    }
    if (result->error[0] != '\0')
        line(&w, "Error: %s", result->error);
    if (result->installation_count == 0 && !result->open_failed)
        line(&w, "No Windows installation found.");
    for (size_t i = 0; i < result->installation_count; i++)
        installation_lines(&w, &result->installations[i], i, result->installation_count);
    if (result->installation_count == 0) {
        blank(&w);
        verdict_lines(&w, v);
    }
    /* the remedy last (the image's: that of the worst installation) */
    if (v->remedy[0] != '\0') {
        blank(&w);
        line(&w, "Remedy: %s", v->remedy);
    }
    /* scan --stats: what the scan cost, after the report */
    if (result->stats.report) {
        const kb_scan_stats *st = &result->stats;

        blank(&w);
        line(&w, "Stats: %llu bytes read in %llu read calls; %.1f ms; peak RSS %ld KiB",
             (unsigned long long)st->bytes_read, (unsigned long long)st->read_calls,
             st->total_ms, st->peak_rss_kib);
        line(&w, "  phases (ms): open %.1f, volumes %.1f, lookups %.1f, pe %.1f, hive %.1f, "
                 "verdict %.1f",
             st->phase_ms[KB_PHASE_OPEN], st->phase_ms[KB_PHASE_VOLUMES],
             st->phase_ms[KB_PHASE_LOOKUPS], st->phase_ms[KB_PHASE_PE],
             st->phase_ms[KB_PHASE_HIVE], st->phase_ms[KB_PHASE_VERDICT]);
    }
    if (w.failed || ferror(out))
        return kb_error_set(err, KB_ERR_IO, "cannot write the text report");
    return KB_OK;
}
