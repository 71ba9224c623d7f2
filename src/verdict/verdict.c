/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verdict.c - the verdict table of domain.md as a pure function of kb_install_facts.
 * verdict.h documents the order of reasoning; each step below is named after it.
 */
#include "verdict/verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/text.h"

/* Remedies (domain.md, "The failure": re-apply SP2, no uninstall needed; then KB973917-v2). */
static const char remedy_sp2_first[] =
    "Install Windows Server 2003 SP2 first; KB973917 requires SP2.";
static const char remedy_at_risk[] =
    "Re-apply Windows Server 2003 SP2 (no uninstall needed) so that it refreshes the IIS "
    "binaries, then install KB973917-v2; do not install the original KB973917 build before.";
static const char remedy_broken[] =
    "Re-apply Windows Server 2003 SP2 (no uninstall needed) so that it refreshes the IIS "
    "binaries, then re-install KB973917-v2 and any update that depends on it (KB982666).";
static const char remedy_candidate[] =
    " Do not install the candidate w3core.dll until then: it imports names this iisutil.dll "
    "does not export.";

/* Updates whose w3core.dll needs SP2's iisutil.dll (domain.md): the original KB973917, its
 * re-releases, and KB982666 (MS10-040), which applies only on top of KB973917. */
static const char *const dependent_families[] = {"KB973917", "KB982666"};

/* One inetsrv directory being judged. */
typedef struct dir_outcome {
    kb_verdict_kind kind;
    char summary[KB_VERDICT_SUMMARY_BYTES];
    const char *remedy;   /* one of the remedy_* texts or NULL */
    char remedy_hint[KB_VERDICT_REMEDY_BYTES]; /* for unknown: what to check by hand */
    bool candidate_breaks;
} dir_outcome;

/* ---------------------------------------------------------------------------------------
 * Building the verdict
 * ------------------------------------------------------------------------------------- */

static void add_reason(kb_verdict *v, kb_reason_role role, const char *fact, const char *value,
                       const char *where, const char *format, ...)
    __attribute__((format(printf, 6, 7)));

static void add_reason(kb_verdict *v, kb_reason_role role, const char *fact, const char *value,
                       const char *where, const char *format, ...)
{
    kb_verdict_reason *r;
    va_list ap;

    if (v->reason_count >= KB_VERDICT_MAX_REASONS) {
        v->flags |= KB_VERDICT_FLAG_TRUNCATED;
        return;
    }
    r = &v->reasons[v->reason_count++];
    memset(r, 0, sizeof(*r));
    r->role = role;
    kb_strlcpy(r->fact, fact, sizeof(r->fact));
    kb_strlcpy(r->value, value != NULL ? value : "", sizeof(r->value));
    kb_strlcpy(r->where, where != NULL ? where : "", sizeof(r->where));
    va_start(ap, format);
    vsnprintf(r->text, sizeof(r->text), format, ap);
    va_end(ap);
}

static void add_evidence(kb_verdict *v, const char *kind, const char *fact, const char *where,
                         const char *format, ...) __attribute__((format(printf, 5, 6)));

static void add_evidence(kb_verdict *v, const char *kind, const char *fact, const char *where,
                         const char *format, ...)
{
    kb_verdict_evidence *e;
    va_list ap;

    for (size_t i = 0; i < v->evidence_count; i++) {
        if (strcmp(v->evidence[i].fact, fact) == 0 && strcmp(v->evidence[i].where, where) == 0)
            return;
    }
    if (v->evidence_count >= KB_VERDICT_MAX_EVIDENCE) {
        v->flags |= KB_VERDICT_FLAG_TRUNCATED;
        return;
    }
    e = &v->evidence[v->evidence_count++];
    memset(e, 0, sizeof(*e));
    kb_strlcpy(e->kind, kind, sizeof(e->kind));
    kb_strlcpy(e->fact, fact, sizeof(e->fact));
    kb_strlcpy(e->where, where, sizeof(e->where));
    va_start(ap, format);
    vsnprintf(e->detail, sizeof(e->detail), format, ap);
    va_end(ap);
}

/* snprintf through va_list: texts from the image are cut to fit on purpose, and GCC's
 * -Wformat-truncation cannot see that (it warns about every bounded copy of a path). */
static int format_text(char *out, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int format_text(char *out, size_t size, const char *format, ...)
{
    va_list ap;
    int n;

    va_start(ap, format);
    n = vsnprintf(out, size, format, ap);
    va_end(ap);
    return n;
}

/* The state of a fact in words, for reasons: "absent", "error: <reason>", "not read". */
static void describe_state(kb_fact_state state, const char *reason, char *out, size_t size)
{
    switch (state) {
    case KB_FACT_PRESENT:
        format_text(out, size, "present");
        break;
    case KB_FACT_ABSENT:
        format_text(out, size, "absent");
        break;
    case KB_FACT_ERROR:
        format_text(out, size, "unreadable: %s", reason[0] != '\0' ? reason : "no reason given");
        break;
    case KB_FACT_NOT_READ:
    default:
        format_text(out, size, "not read");
        break;
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

/* "6.0.3790.1830 (SP1, srv03_sp1_rtm)" for a PE fact with a version. */
static void describe_version(const kb_pe_fact *pe, bool os_file, char *out, size_t size)
{
    char version[32], branch[KB_FACT_BRANCH_BYTES];
    int level;

    kb_file_version_format(&pe->file_version, version, sizeof(version));
    level = os_file ? kb_facts_os_sp_level(&pe->file_version)
                    : kb_facts_iis_sp_level(&pe->file_version);
    if (pe->branch[0] != '\0')
        kb_strlcpy(branch, pe->branch, sizeof(branch));
    else if (kb_facts_branch_from_build_lab(pe->file_version_string, branch, sizeof(branch)) !=
             KB_OK)
        branch[0] = '\0';
    if (branch[0] != '\0')
        format_text(out, size, "%s (%s, %s)", version, kb_sp_level_name(level), branch);
    else
        format_text(out, size, "%s (%s)", version, kb_sp_level_name(level));
}

static bool pe_has_version(const kb_pe_fact *pe)
{
    return pe->state == KB_FACT_PRESENT && pe->version_state == KB_FACT_PRESENT;
}

/* A file that exists (even if unreadable) counts as installed. */
static bool pe_exists(const kb_pe_fact *pe)
{
    return pe->state == KB_FACT_PRESENT || pe->state == KB_FACT_ERROR;
}

static void pe_evidence(kb_verdict *v, const char *fact, const kb_pe_fact *pe, bool os_file)
{
    char where[KB_VERDICT_WHERE_BYTES], version[160];

    kb_pe_fact_where(pe, where, sizeof(where));
    if (pe->state != KB_FACT_PRESENT) {
        char state[KB_FACT_REASON_BYTES + 32];

        describe_state(pe->state, pe->reason, state, sizeof(state));
        add_evidence(v, "file", fact, where, "%s", state);
        return;
    }
    if (pe->version_state == KB_FACT_PRESENT)
        describe_version(pe, os_file, version, sizeof(version));
    else
        format_text(version, sizeof(version), "no version (%s)",
                 kb_fact_state_name(pe->version_state));
    add_evidence(v, "file", fact, where, "%s, %llu bytes, MFT entry %llu, sha256 %s", version,
                 (unsigned long long)pe->size, (unsigned long long)pe->mft_entry,
                 pe->sha256[0] != '\0' ? pe->sha256 : "-");
}

static void string_evidence(kb_verdict *v, const char *fact, const kb_fact_string *s)
{
    char state[KB_FACT_REASON_BYTES + 32];

    if (s->state == KB_FACT_PRESENT) {
        add_evidence(v, "registry", fact, s->where, "\"%s\"", s->value);
        return;
    }
    describe_state(s->state, s->reason, state, sizeof(state));
    add_evidence(v, "registry", fact, s->where, "%s", state);
}

static void update_where(const kb_update_fact *u, char *out, size_t size)
{
    for (int i = 0; i < KB_UPDATE_WHERE_COUNT; i++) {
        if (u->where[i][0] != '\0') {
            kb_strlcpy(out, u->where[i], size);
            return;
        }
    }
    kb_strlcpy(out, "", size);
}

/* "Updates, HotFix, $NtUninstall" */
static void update_seen_list(const kb_update_fact *u, char *out, size_t size)
{
    static const char *const labels[] = {"Updates", "HotFix", "Uninstall", "$NtUninstall"};
    size_t used = 0;

    out[0] = '\0';
    for (int i = 0; i < KB_UPDATE_WHERE_COUNT; i++) {
        if ((u->seen & (1u << i)) == 0)
            continue;
        int n = format_text(out + used, size - used, "%s%s", used > 0 ? ", " : "", labels[i]);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

/* ---------------------------------------------------------------------------------------
 * Step 2: is this NT 5.2 build 3790?
 * ------------------------------------------------------------------------------------- */

/* Returns true when the decision is made (out filled). */
static bool decide_os_identity(const kb_install_facts *f, kb_verdict *v)
{
    const kb_os_facts *os = &f->os;
    const kb_pe_fact *k32 = &os->kernel32;
    char state[KB_FACT_REASON_BYTES + 32];
    char k32where[KB_VERDICT_WHERE_BYTES], k32ver[160];

    kb_pe_fact_where(k32, k32where, sizeof(k32where));
    if (pe_has_version(k32))
        describe_version(k32, true, k32ver, sizeof(k32ver));
    else
        k32ver[0] = '\0';

    /* CurrentVersion */
    if (os->current_version.state == KB_FACT_PRESENT) {
        if (strcmp(os->current_version.value, "5.2") != 0) {
            v->kind = KB_VERDICT_NOT_APPLICABLE;
            add_reason(v, KB_REASON_DECISIVE, "os.current_version", os->current_version.value,
                       os->current_version.where,
                       "Windows NT %s is not Windows Server 2003 (NT 5.2); KB973917 is for IIS "
                       "6 on Windows Server 2003 only",
                       os->current_version.value);
            format_text(v->summary, sizeof(v->summary),
                        "Not applicable: this is Windows NT %s, not Windows Server 2003 (NT 5.2).",
                        os->current_version.value);
            string_evidence(v, "os.current_version", &os->current_version);
            return true;
        }
        add_reason(v, KB_REASON_SUPPORTING, "os.current_version", os->current_version.value,
                   os->current_version.where, "Windows NT 5.2 (Windows Server 2003 family)");
    } else if (pe_has_version(k32) && k32->file_version.part[0] > 0) {
        describe_state(os->current_version.state, os->current_version.reason, state,
                       sizeof(state));
        if (k32->file_version.part[0] != 5 || k32->file_version.part[1] != 2) {
            v->kind = KB_VERDICT_NOT_APPLICABLE;
            add_reason(v, KB_REASON_DECISIVE, "os.kernel32", k32ver, k32where,
                       "CurrentVersion is %s and kernel32.dll is not an NT 5.2 file, so this is "
                       "not Windows Server 2003",
                       state);
            format_text(v->summary, sizeof(v->summary),
                        "Not applicable: kernel32.dll %s is not from Windows Server 2003.", k32ver);
            pe_evidence(v, "os.kernel32", k32, true);
            return true;
        }
        add_reason(v, KB_REASON_NOTE, "os.current_version", state, os->current_version.where,
                   "CurrentVersion is %s; kernel32.dll %s stands in for it", state, k32ver);
    } else {
        describe_state(os->current_version.state, os->current_version.reason, state,
                       sizeof(state));
        v->kind = KB_VERDICT_UNKNOWN;
        add_reason(v, KB_REASON_DECISIVE, "os.current_version", state, os->current_version.where,
                   "the Windows version cannot be told: CurrentVersion is %s and kernel32.dll's "
                   "version is unreadable",
                   state);
        format_text(v->summary, sizeof(v->summary),
                    "Unknown: the Windows version could not be read (CurrentVersion %s).", state);
        kb_strlcpy(v->remedy,
                   "Check the Windows version by hand (winver on the running system, or the "
                   "CurrentVersion key of the SOFTWARE hive).",
                   sizeof(v->remedy));
        string_evidence(v, "os.current_version", &os->current_version);
        return true;
    }

    /* CurrentBuildNumber */
    if (os->current_build_number.state == KB_FACT_PRESENT) {
        if (strcmp(os->current_build_number.value, "3790") != 0) {
            v->kind = KB_VERDICT_NOT_APPLICABLE;
            add_reason(v, KB_REASON_DECISIVE, "os.current_build_number",
                       os->current_build_number.value, os->current_build_number.where,
                       "build %s is not 3790 (Windows Server 2003)",
                       os->current_build_number.value);
            format_text(v->summary, sizeof(v->summary),
                        "Not applicable: NT 5.2 build %s is not Windows Server 2003 build 3790.",
                        os->current_build_number.value);
            string_evidence(v, "os.current_build_number", &os->current_build_number);
            return true;
        }
    } else if (pe_has_version(k32) && k32->file_version.part[2] > 0) {
        describe_state(os->current_build_number.state, os->current_build_number.reason, state,
                       sizeof(state));
        if (k32->file_version.part[2] != 3790) {
            v->kind = KB_VERDICT_NOT_APPLICABLE;
            add_reason(v, KB_REASON_DECISIVE, "os.kernel32", k32ver, k32where,
                       "CurrentBuildNumber is %s and kernel32.dll is not build 3790", state);
            format_text(v->summary, sizeof(v->summary),
                        "Not applicable: kernel32.dll %s is not Windows Server 2003 build 3790.",
                        k32ver);
            pe_evidence(v, "os.kernel32", k32, true);
            return true;
        }
        add_reason(v, KB_REASON_NOTE, "os.current_build_number", state,
                   os->current_build_number.where,
                   "CurrentBuildNumber is %s; kernel32.dll %s stands in for it", state, k32ver);
    } else {
        describe_state(os->current_build_number.state, os->current_build_number.reason, state,
                       sizeof(state));
        v->kind = KB_VERDICT_UNKNOWN;
        add_reason(v, KB_REASON_DECISIVE, "os.current_build_number", state,
                   os->current_build_number.where,
                   "the Windows build cannot be told: CurrentBuildNumber is %s and kernel32.dll's "
                   "version is unreadable",
                   state);
        format_text(v->summary, sizeof(v->summary),
                    "Unknown: the Windows build number could not be read (CurrentBuildNumber %s).",
                    state);
        kb_strlcpy(v->remedy, "Check the Windows build by hand (winver on the running system).",
                   sizeof(v->remedy));
        return true;
    }

    /* XP x64 is NT 5.2.3790 too and runs the same IIS 6 binaries (domain.md, Registry) */
    if (os->product_name.state == KB_FACT_PRESENT && strstr(os->product_name.value, "XP") != NULL)
        add_reason(v, KB_REASON_NOTE, "os.product_name", os->product_name.value,
                   os->product_name.where,
                   "Windows XP x64 shares the Windows Server 2003 code base and IIS 6 binaries; "
                   "it is judged the same way");
    return false;
}

/* ---------------------------------------------------------------------------------------
 * Step 3: is IIS 6 installed?
 * ------------------------------------------------------------------------------------- */

static bool dir_has_binaries(const kb_iis_dir_facts *d)
{
    return pe_exists(&d->iisutil) || pe_exists(&d->w3core);
}

static bool dir_binaries_looked_up(const kb_iis_dir_facts *d)
{
    return d->iisutil.state != KB_FACT_NOT_READ || d->w3core.state != KB_FACT_NOT_READ ||
           d->state == KB_FACT_ABSENT;
}

static bool decide_iis_installed(const kb_install_facts *f, kb_verdict *v)
{
    const kb_iis_facts *iis = &f->iis;
    const kb_fact_dword *major = &iis->major_version;
    bool inetstp6 = major->state == KB_FACT_PRESENT && major->value == 6;
    bool binaries = dir_has_binaries(&iis->native) || dir_has_binaries(&iis->wow64);
    char value[64], state[KB_FACT_REASON_BYTES + 32], where[KB_VERDICT_WHERE_BYTES];

    if (major->state == KB_FACT_PRESENT)
        format_text(value, sizeof(value), "%u", (unsigned)major->value);
    else
        describe_state(major->state, major->reason, value, sizeof(value));
    kb_pe_fact_where(&iis->native.iisutil, where, sizeof(where));

    if (!inetstp6 && !binaries) {
        if (!dir_binaries_looked_up(&iis->native) && major->state != KB_FACT_ABSENT &&
            major->state != KB_FACT_PRESENT) {
            v->kind = KB_VERDICT_UNKNOWN;
            add_reason(v, KB_REASON_DECISIVE, "iis.inetstp.major_version", value, major->where,
                       "whether IIS 6 is installed cannot be told: InetStp MajorVersion is %s "
                       "and the inetsrv binaries were not looked at",
                       value);
            format_text(v->summary, sizeof(v->summary),
                        "Unknown: whether IIS 6 is installed could not be read.");
            kb_strlcpy(v->remedy,
                       "Check by hand whether %windir%\\system32\\inetsrv\\iisutil.dll exists.",
                       sizeof(v->remedy));
            return true;
        }
        v->kind = KB_VERDICT_NOT_APPLICABLE;
        add_reason(v, KB_REASON_DECISIVE, "iis.inetstp.major_version", value, major->where,
                   major->state == KB_FACT_PRESENT
                       ? "InetStp MajorVersion is %s, not 6, and no IIS 6 binaries are present"
                       : "InetStp MajorVersion is %s and no IIS 6 binaries are present",
                   value);
        describe_state(iis->native.iisutil.state, iis->native.iisutil.reason, state,
                       sizeof(state));
        add_reason(v, KB_REASON_SUPPORTING, "iis.system32.iisutil", state, where,
                   "iisutil.dll and w3core.dll are not in the inetsrv directory");
        format_text(v->summary, sizeof(v->summary),
                    "Not applicable: IIS 6 is not installed, so there is nothing for KB973917 to "
                    "patch.");
        return true;
    }
    if (inetstp6) {
        add_reason(v, KB_REASON_SUPPORTING, "iis.inetstp.major_version", value, major->where,
                   "IIS 6 is registered as installed (InetStp MajorVersion 6)");
        if (!binaries) {
            v->flags |= KB_VERDICT_FLAG_IIS_REGISTRATION;
            add_reason(v, KB_REASON_NOTE, "iis.system32.iisutil", "absent", where,
                       "InetStp says IIS 6 is installed but iisutil.dll and w3core.dll are "
                       "missing: a damaged or half-removed IIS");
        }
    } else {
        v->flags |= KB_VERDICT_FLAG_IIS_REGISTRATION;
        add_reason(v, KB_REASON_NOTE, "iis.inetstp.major_version", value, major->where,
                   "InetStp MajorVersion is %s but IIS 6 binaries are present; present binaries "
                   "count as installed (the update would patch them)",
                   value);
    }
    if (iis->oc_iis_www.state == KB_FACT_PRESENT && iis->oc_iis_www.value == 0)
        add_reason(v, KB_REASON_NOTE, "iis.oc_iis_www", "0", iis->oc_iis_www.where,
                   "OC Manager lists the WWW service (iis_www) as not installed");
    return false;
}

/* ---------------------------------------------------------------------------------------
 * Step 4: service-pack level of the OS
 * ------------------------------------------------------------------------------------- */

typedef struct os_level {
    int level;     /* the level used */
    bool doubtful; /* CSDVersion and the core files disagree across the SP2 boundary */
} os_level;

/* The lowest SP level of kernel32/ntdll that could be read, and which file gave it. */
static int core_files_level(const kb_os_facts *os, const kb_pe_fact **which)
{
    const kb_pe_fact *files[2] = {&os->kernel32, &os->ntdll};
    int level = KB_SP_UNKNOWN;

    *which = NULL;
    for (size_t i = 0; i < 2; i++) {
        int l;

        if (!pe_has_version(files[i]))
            continue;
        l = kb_facts_os_sp_level(&files[i]->file_version);
        if (l == KB_SP_UNKNOWN)
            continue;
        if (level == KB_SP_UNKNOWN || l < level) {
            level = l;
            *which = files[i];
        }
    }
    return level;
}

static bool decide_os_level(const kb_install_facts *f, kb_verdict *v, os_level *out)
{
    const kb_os_facts *os = &f->os;
    const kb_fact_string *csd = &os->csd_version;
    const kb_pe_fact *core = NULL;
    int csd_level = kb_facts_csd_level(csd);
    int file_level = core_files_level(os, &core);
    char csd_value[KB_FACT_TEXT_BYTES + 32], core_where[KB_VERDICT_WHERE_BYTES], core_ver[160];

    if (csd->state == KB_FACT_PRESENT)
        format_text(csd_value, sizeof(csd_value), "\"%s\"", csd->value);
    else
        describe_state(csd->state, csd->reason, csd_value, sizeof(csd_value));
    core_where[0] = core_ver[0] = '\0';
    if (core != NULL) {
        kb_pe_fact_where(core, core_where, sizeof(core_where));
        describe_version(core, true, core_ver, sizeof(core_ver));
    }
    out->doubtful = false;

    if (csd_level != KB_SP_UNKNOWN) {
        out->level = csd_level;
        if (file_level != KB_SP_UNKNOWN && (csd_level >= KB_SP_2) != (file_level >= KB_SP_2)) {
            out->doubtful = true;
            v->flags |= KB_VERDICT_FLAG_CSD_MISMATCH | KB_VERDICT_FLAG_OS_LEVEL_DOUBTFUL;
            add_reason(v, KB_REASON_NOTE, "os.csd_version", csd_value, csd->where,
                       "CSDVersion (%s) disagrees with %s %s across the SP2 boundary: the OS "
                       "service-pack level is doubtful, so the verdict cannot be \"safe\"",
                       kb_sp_level_name(csd_level), base_name(core->path), core_ver);
        } else if (file_level != KB_SP_UNKNOWN && file_level != csd_level) {
            v->flags |= KB_VERDICT_FLAG_CSD_MISMATCH;
            add_reason(v, KB_REASON_NOTE, "os.csd_version", csd_value, csd->where,
                       "CSDVersion (%s) disagrees with %s %s", kb_sp_level_name(csd_level),
                       base_name(core->path), core_ver);
        } else {
            add_reason(v, KB_REASON_SUPPORTING, "os.csd_version", csd_value, csd->where,
                       "the OS is at %s%s%s", kb_sp_level_name(csd_level),
                       core != NULL ? ", confirmed by " : "",
                       core != NULL ? base_name(core->path) : "");
        }
    } else if (file_level != KB_SP_UNKNOWN) {
        out->level = file_level;
        add_reason(v, KB_REASON_NOTE, "os.csd_version", csd_value, csd->where,
                   "CSDVersion is %s; %s %s stands in for it", csd_value, base_name(core->path),
                   core_ver);
    } else {
        v->kind = KB_VERDICT_UNKNOWN;
        add_reason(v, KB_REASON_DECISIVE, "os.csd_version", csd_value, csd->where,
                   "the OS service-pack level cannot be told: CSDVersion is %s and the versions "
                   "of kernel32.dll and ntdll.dll are unreadable",
                   csd_value);
        format_text(v->summary, sizeof(v->summary),
                    "Unknown: the Windows service-pack level could not be read.");
        kb_strlcpy(v->remedy, "Check the service pack by hand (winver on the running system).",
                   sizeof(v->remedy));
        string_evidence(v, "os.csd_version", csd);
        pe_evidence(v, "os.kernel32", &os->kernel32, true);
        return true;
    }
    string_evidence(v, "os.csd_version", csd);
    if (core != NULL)
        pe_evidence(v, core == &os->kernel32 ? "os.kernel32" : "os.ntdll", core, true);

    if (out->level < KB_SP_2 && !out->doubtful) {
        v->kind = KB_VERDICT_NOT_APPLICABLE;
        add_reason(v, KB_REASON_DECISIVE, "os.service_pack", kb_sp_level_name(out->level),
                   csd->state == KB_FACT_PRESENT || csd_level != KB_SP_UNKNOWN ? csd->where
                                                                               : core_where,
                   "the OS is at %s, below SP2; KB973917 is offered for SP2 only",
                   kb_sp_level_name(out->level));
        format_text(v->summary, sizeof(v->summary),
                    "Not applicable: Windows Server 2003 %s is below SP2, which KB973917 "
                    "requires.",
                    kb_sp_level_name(out->level));
        kb_strlcpy(v->remedy, remedy_sp2_first, sizeof(v->remedy));
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------------------------------
 * Step 5: one inetsrv directory
 * ------------------------------------------------------------------------------------- */

static void fact_name(char *out, size_t size, const char *label, const char *what)
{
    format_text(out, size, "iis.%s.%s", label, what);
}

/* "?Copy@MULTISZ@@QAEHPBGK@Z, ..." - the listed unresolved names, joined. */
static void join_unresolved(const kb_import_fact *imp, char *out, size_t size)
{
    size_t used = 0;

    out[0] = '\0';
    for (uint32_t i = 0; i < imp->listed && i < KB_MAX_REPORTED_UNRESOLVED; i++) {
        int n = format_text(out + used, size - used, "%s%s", i > 0 ? ", " : "",
                         imp->unresolved_names[i]);
        if (n < 0 || (size_t)n >= size - used) {
            /* cut: mark it */
            if (size > 4)
                memcpy(out + size - 4, "...", 4);
            return;
        }
        used += (size_t)n;
    }
    if (imp->unresolved > imp->listed && size - used > 16)
        format_text(out + used, size - used, ", ... (%u more)",
                 (unsigned)(imp->unresolved - imp->listed));
}

/* Notes on mixed levels among the directory's PE files. */
static void note_mixed_levels(const kb_iis_dir_facts *d, const char *label, kb_verdict *v)
{
    size_t count[3] = {0, 0, 0};
    const char *example[3] = {NULL, NULL, NULL};
    char text[KB_VERDICT_TEXT_BYTES], name[KB_VERDICT_FACT_BYTES];
    size_t used = 0, levels = 0;

    for (size_t i = 0; i < d->file_count; i++) {
        const kb_pe_fact *pe = &d->files[i];
        int level;

        if (!pe_has_version(pe))
            continue;
        level = kb_facts_iis_sp_level(&pe->file_version);
        if (level == KB_SP_UNKNOWN)
            level = kb_facts_os_sp_level(&pe->file_version);
        if (level < 0 || level > 2)
            continue;
        if (count[level]++ == 0)
            example[level] = base_name(pe->path);
    }
    for (size_t l = 0; l < 3; l++)
        levels += count[l] > 0;
    if (levels < 2)
        return;
    v->flags |= KB_VERDICT_FLAG_MIXED_LEVELS;
    text[0] = '\0';
    for (size_t l = 0; l < 3; l++) {
        int n;

        if (count[l] == 0)
            continue;
        n = format_text(text + used, sizeof(text) - used, "%s%s: %zu file%s (e.g. %s)",
                     used > 0 ? "; " : "", kb_sp_level_name((int)l), count[l],
                     count[l] == 1 ? "" : "s", example[l]);
        if (n < 0 || (size_t)n >= sizeof(text) - used)
            break;
        used += (size_t)n;
    }
    fact_name(name, sizeof(name), label, "files");
    add_reason(v, KB_REASON_NOTE, name, text, d->path,
               "the IIS files in %s are at mixed service-pack levels", d->path);
}

/* KB973917 recorded but w3core.dll not newer than the SP2 build. */
static void note_update_pending(const kb_install_facts *f, const kb_iis_dir_facts *d,
                                const char *label, kb_verdict *v)
{
    const kb_update_fact *u = kb_facts_find_update_family(f, "KB973917", NULL);
    char name[KB_VERDICT_FACT_BYTES], where[KB_VERDICT_WHERE_BYTES], version[160];

    if (u == NULL || !pe_has_version(&d->w3core))
        return;
    if (kb_facts_iis_sp_level(&d->w3core.file_version) == KB_SP_UNKNOWN ||
        d->w3core.file_version.part[3] > KB_REVISION_SP2)
        return;
    v->flags |= KB_VERDICT_FLAG_UPDATE_PENDING;
    fact_name(name, sizeof(name), label, "w3core");
    kb_pe_fact_where(&d->w3core, where, sizeof(where));
    describe_version(&d->w3core, false, version, sizeof(version));
    add_reason(v, KB_REASON_NOTE, name, version, where,
               "%s is recorded as installed but w3core.dll is %s, not newer than 3959: the update "
               "is pending a reboot, was rolled back, or its files were replaced",
               u->id, version);
}

/* The --candidate check of one directory. */
static void judge_candidate(const kb_install_facts *f, const kb_iis_dir_facts *d,
                            const char *label, kb_verdict *v, dir_outcome *out)
{
    const kb_import_fact *c = &d->candidate_imports;
    char name[KB_VERDICT_FACT_BYTES], where[KB_VERDICT_WHERE_BYTES], value[64];
    char names[KB_VERDICT_TEXT_BYTES / 2];

    fact_name(name, sizeof(name), label, "candidate_imports");
    kb_pe_fact_where(&f->candidate, where, sizeof(where));
    if (c->state == KB_FACT_ERROR) {
        add_reason(v, KB_REASON_NOTE, name, "error", where,
                   "the candidate w3core.dll could not be checked against %s\\iisutil.dll: %s",
                   d->path, c->reason);
        return;
    }
    if (c->state != KB_FACT_PRESENT)
        return;
    format_text(value, sizeof(value), "%u of %u unresolved", (unsigned)c->unresolved,
             (unsigned)c->imported);
    if (c->unresolved == 0) {
        add_reason(v, KB_REASON_SUPPORTING, name, value, where,
                   "every name the candidate w3core.dll imports from IISUTIL.DLL is exported by "
                   "%s\\iisutil.dll",
                   d->path);
        return;
    }
    join_unresolved(c, names, sizeof(names));
    out->candidate_breaks = true;
    v->flags |= KB_VERDICT_FLAG_CANDIDATE_BREAKS;
    add_reason(v, KB_REASON_DECISIVE, name, value, where,
               "installing the candidate w3core.dll would break IIS: %s\\iisutil.dll does not "
               "export %s",
               d->path, names);
    pe_evidence(v, "candidate", &f->candidate, false);
    if (out->kind < KB_VERDICT_AT_RISK) {
        out->kind = KB_VERDICT_AT_RISK;
        format_text(out->summary, sizeof(out->summary),
                    "At risk: the candidate w3core.dll would not load here; %u of its imports "
                    "from IISUTIL.DLL are missing in %s\\iisutil.dll.",
                    (unsigned)c->unresolved, d->path);
        out->remedy = remedy_at_risk;
    }
}

static void judge_dir(const kb_install_facts *f, const kb_iis_dir_facts *d, const char *label,
                      kb_verdict *v, dir_outcome *out)
{
    const kb_pe_fact *iisutil = &d->iisutil, *w3core = &d->w3core;
    const kb_import_fact *imp = &d->imports;
    char name[KB_VERDICT_FACT_BYTES], where[KB_VERDICT_WHERE_BYTES], w3where[KB_VERDICT_WHERE_BYTES];
    char value[KB_FACT_REASON_BYTES + 64], version[160], names[KB_VERDICT_TEXT_BYTES / 2];
    int level;

    memset(out, 0, sizeof(*out));
    out->kind = KB_VERDICT_UNKNOWN;
    kb_pe_fact_where(iisutil, where, sizeof(where));
    kb_pe_fact_where(w3core, w3where, sizeof(w3where));
    fact_name(name, sizeof(name), label, "iisutil");
    pe_evidence(v, name, iisutil, false);
    fact_name(name, sizeof(name), label, "w3core");
    pe_evidence(v, name, w3core, false);

    /* a. unresolved imports are proof */
    if (imp->state == KB_FACT_PRESENT && imp->unresolved > 0) {
        fact_name(name, sizeof(name), label, "imports");
        format_text(value, sizeof(value), "%u of %u unresolved", (unsigned)imp->unresolved,
                 (unsigned)imp->imported);
        join_unresolved(imp, names, sizeof(names));
        add_reason(v, KB_REASON_DECISIVE, name, value, w3where,
                   "w3core.dll imports from IISUTIL.DLL names that %s does not export, so the "
                   "worker process cannot start: %s",
                   where, names);
        if (pe_has_version(iisutil)) {
            describe_version(iisutil, false, version, sizeof(version));
            fact_name(name, sizeof(name), label, "iisutil");
            add_reason(v, KB_REASON_SUPPORTING, name, version, where, "iisutil.dll is %s",
                       version);
        }
        out->kind = KB_VERDICT_BROKEN;
        format_text(out->summary, sizeof(out->summary),
                    "Broken: w3core.dll in %s imports %u name%s from IISUTIL.DLL that "
                    "iisutil.dll does not export (%s).",
                    d->path, (unsigned)imp->unresolved, imp->unresolved == 1 ? "" : "s",
                    imp->listed > 0 ? imp->unresolved_names[0] : "names not kept");
        out->remedy = remedy_broken;
        goto notes;
    }

    /* b. iisutil.dll's version is needed */
    fact_name(name, sizeof(name), label, "iisutil");
    if (!pe_has_version(iisutil)) {
        if (iisutil->state != KB_FACT_PRESENT)
            describe_state(iisutil->state, iisutil->reason, value, sizeof(value));
        else if (iisutil->version_state == KB_FACT_ABSENT)
            format_text(value, sizeof(value), "no version resource");
        else
            describe_state(iisutil->version_state, iisutil->version_reason, value,
                           sizeof(value));
        add_reason(v, KB_REASON_DECISIVE, name, value, where,
                   "the version of iisutil.dll, which decides the mismatch, cannot be read: %s",
                   value);
        format_text(out->summary, sizeof(out->summary),
                    "Unknown: the version of %s\\iisutil.dll could not be read (%s).", d->path,
                    value);
        format_text(out->remedy_hint, sizeof(out->remedy_hint),
                 "Check the version of %s\\iisutil.dll by hand (Properties > Version on the "
                 "running system): 6.0.3790.3959 or later is SP2 level.",
                 d->path);
        goto notes;
    }
    describe_version(iisutil, false, version, sizeof(version));
    level = kb_facts_iis_sp_level(&iisutil->file_version);
    if (level == KB_SP_UNKNOWN) {
        add_reason(v, KB_REASON_DECISIVE, name, version, where,
                   "iisutil.dll %s is not an IIS 6.0.3790 build, so its service-pack level "
                   "cannot be told",
                   version);
        format_text(out->summary, sizeof(out->summary),
                    "Unknown: %s\\iisutil.dll has an unexpected version (%s).", d->path, version);
        format_text(out->remedy_hint, sizeof(out->remedy_hint),
                 "Check %s\\iisutil.dll by hand: IIS 6 on Windows Server 2003 SP2 has "
                 "6.0.3790.3959 or later.",
                 d->path);
        goto notes;
    }

    /* c. pre-SP2 iisutil.dll on SP2: the mismatch */
    if (level < KB_SP_2) {
        size_t cursor;
        bool installed = false;
        unsigned revision = iisutil->file_version.part[3];

        add_reason(v, KB_REASON_DECISIVE, name, version, where,
                   "iisutil.dll is pre-SP2 (revision %u < 3959) on an SP2 system: a binary "
                   "mismatch%s",
                   revision,
                   kb_facts_iis_seed_rule_mismatch(&iisutil->file_version)
                       ? ""
                       : " (by the wider rule: SP1 hotfix builds run to 3xxx, past the seed "
                         "write-up's \"below 3000\")");
        if (level == KB_SP_RTM) {
            v->flags |= KB_VERDICT_FLAG_RTM_IIS;
            add_reason(v, KB_REASON_NOTE, name, version, where,
                       "RTM IIS binaries on a service-packed system may already fail before any "
                       "update (KB920720)");
        }
        for (size_t fam = 0; fam < sizeof(dependent_families) / sizeof(dependent_families[0]);
             fam++) {
            const kb_update_fact *u;

            cursor = 0;
            while ((u = kb_facts_find_update_family(f, dependent_families[fam], &cursor)) !=
                   NULL) {
                char uname[KB_VERDICT_FACT_BYTES], uwhere[KB_FACT_UPDATE_WHERE_BYTES];
                char seen[64];
                bool v2 = !kb_ascii_iequal(u->id, dependent_families[fam]);

                installed = true;
                format_text(uname, sizeof(uname), "updates.%s", u->id);
                update_where(u, uwhere, sizeof(uwhere));
                update_seen_list(u, seen, sizeof(seen));
                if (fam == 0 && !v2)
                    add_reason(v, KB_REASON_DECISIVE, uname, u->id, uwhere,
                               "KB973917 (the original build, which installs on a mismatch) is "
                               "installed (seen in %s): its w3core.dll needs SP2's iisutil.dll",
                               seen);
                else if (fam == 0)
                    add_reason(v, KB_REASON_DECISIVE, uname, u->id, uwhere,
                               "%s is installed (seen in %s): its w3core.dll needs SP2's "
                               "iisutil.dll",
                               u->id, seen);
                else
                    add_reason(v, KB_REASON_DECISIVE, uname, u->id, uwhere,
                               "%s, which applies on top of KB973917 and shows the same failure "
                               "on a mismatch, is installed (seen in %s)",
                               u->id, seen);
                if (fam == 0 && v2) {
                    v->flags |= KB_VERDICT_FLAG_V2_ON_MISMATCH;
                    add_reason(v, KB_REASON_NOTE, uname, u->id, uwhere,
                               "%s refuses to install on this mismatch, so its record here is "
                               "odd: the IIS binaries were probably replaced after it was "
                               "installed (IIS re-added from the original CD?)",
                               u->id);
                }
                add_evidence(v, "update", uname, uwhere, "%s seen in %s, installed on %s",
                             u->id, seen, u->installed_on[0] != '\0' ? u->installed_on : "-");
            }
        }
        if (installed) {
            out->kind = KB_VERDICT_BROKEN;
            format_text(out->summary, sizeof(out->summary),
                        "Broken: %s\\iisutil.dll is pre-SP2, %s, and an update that needs SP2's "
                        "iisutil.dll (KB973917 or a dependent) is installed.",
                        d->path, version);
            out->remedy = remedy_broken;
        } else {
            out->kind = KB_VERDICT_AT_RISK;
            if (f->updates_state == KB_FACT_PRESENT) {
                add_reason(v, KB_REASON_SUPPORTING, "updates", "none", "",
                           "neither KB973917 (any version) nor KB982666 is installed");
            } else {
                describe_state(f->updates_state, f->updates_reason, value, sizeof(value));
                add_reason(v, KB_REASON_NOTE, "updates", value, "",
                           "the installed-update list is %s: if KB973917 is installed, IIS is "
                           "already broken",
                           value);
            }
            format_text(out->summary, sizeof(out->summary),
                        "At risk: %s\\iisutil.dll is pre-SP2, %s, on SP2; installing KB973917 "
                        "(original build) would stop IIS.",
                        d->path, version);
            out->remedy = remedy_at_risk;
        }
        if (f->iis.source_path.state == KB_FACT_PRESENT &&
            f->iis.service_pack_source_path.state != KB_FACT_PRESENT)
            add_reason(v, KB_REASON_NOTE, "iis.source_path", f->iis.source_path.value,
                       f->iis.source_path.where,
                       "components are installed from %s with no ServicePackSourcePath: the "
                       "set-up that installs IIS from the original CD",
                       f->iis.source_path.value);
        goto notes;
    }

    /* d. SP2 iisutil.dll: safe if every import resolves */
    add_reason(v, KB_REASON_DECISIVE, name, version, where,
               "iisutil.dll is at SP2 level (revision %u >= 3959)",
               (unsigned)iisutil->file_version.part[3]);
    fact_name(name, sizeof(name), label, "imports");
    if (imp->state == KB_FACT_PRESENT) {
        format_text(value, sizeof(value), "%u imported, 0 unresolved", (unsigned)imp->imported);
        add_reason(v, KB_REASON_DECISIVE, name, value, w3where,
                   "every name w3core.dll imports from IISUTIL.DLL is exported by iisutil.dll");
        out->kind = KB_VERDICT_SAFE;
        format_text(out->summary, sizeof(out->summary),
                    "Safe: %s\\iisutil.dll is at SP2 level, %s, and every import of w3core.dll "
                    "from it resolves.",
                    d->path, version);
    } else {
        if (w3core->state == KB_FACT_ABSENT)
            format_text(value, sizeof(value), "w3core.dll absent");
        else if (imp->state == KB_FACT_ERROR)
            format_text(value, sizeof(value), "unreadable: %s", imp->reason);
        else
            describe_state(imp->state, imp->reason, value, sizeof(value));
        add_reason(v, KB_REASON_DECISIVE, name, value, w3where,
                   "whether w3core.dll's imports from IISUTIL.DLL resolve cannot be told (%s)",
                   value);
        format_text(out->summary, sizeof(out->summary),
                    "Unknown: iisutil.dll is at SP2 level but the import check of %s\\w3core.dll "
                    "could not be made (%s).",
                    d->path, value);
        format_text(out->remedy_hint, sizeof(out->remedy_hint),
                 "Check %s\\w3core.dll by hand: it should be present and at 6.0.3790.3959 or "
                 "later.",
                 d->path);
    }

notes:
    judge_candidate(f, d, label, v, out);
    note_mixed_levels(d, label, v);
    note_update_pending(f, d, label, v);
}

/* ---------------------------------------------------------------------------------------
 * The decision
 * ------------------------------------------------------------------------------------- */

static void finish_remedy(kb_verdict *v, const dir_outcome *o)
{
    if (o->remedy != NULL) {
        kb_strlcpy(v->remedy, o->remedy, sizeof(v->remedy));
        if (o->candidate_breaks && strlen(v->remedy) + sizeof(remedy_candidate) <=
                                       sizeof(v->remedy))
            strncat(v->remedy, remedy_candidate, sizeof(v->remedy) - strlen(v->remedy) - 1);
    } else if (o->remedy_hint[0] != '\0') {
        kb_strlcpy(v->remedy, o->remedy_hint, sizeof(v->remedy));
    } else {
        v->remedy[0] = '\0';
    }
}

static void note_service(const kb_install_facts *f, kb_verdict *v)
{
    const kb_fact_dword *start = &f->iis.w3svc_start;
    char value[16];

    if (f->system_hive.state == KB_FACT_ERROR || f->system_hive.state == KB_FACT_ABSENT) {
        char state[KB_FACT_REASON_BYTES + 32];

        describe_state(f->system_hive.state, f->system_hive.reason, state, sizeof(state));
        add_reason(v, KB_REASON_NOTE, "hive.system", state, f->system_hive.path,
                   "the SYSTEM hive is %s: the W3SVC start type is not known", state);
        return;
    }
    if (start->state == KB_FACT_PRESENT && start->value == 4) {
        format_text(value, sizeof(value), "%u", (unsigned)start->value);
        v->flags |= KB_VERDICT_FLAG_W3SVC_DISABLED;
        add_reason(v, KB_REASON_NOTE, "iis.w3svc_start", value, start->where,
                   "the WWW service (W3SVC) is disabled: a failure would show only once it is "
                   "started");
    }
}

/* A note per hive whose facts may be stale (dirty, or a .LOG beside it): the verdict stands,
 * since the deciding facts are the PE files, but the reader should know. */
static void note_hive_health(const kb_fact_hive *hive, const char *fact, const char *label,
                             kb_verdict *v)
{
    if (hive->state != KB_FACT_PRESENT || hive->health_reason[0] == '\0')
        return;
    add_reason(v, KB_REASON_NOTE, fact, hive->dirty ? "dirty" : "log-present", hive->path,
               "the %s hive may be stale: %s; registry facts read from it may be out of date",
               label,
               hive->health_reason);
}

kb_status kb_verdict_decide(const kb_install_facts *facts, kb_verdict *out)
{
    const kb_fact_hive *software;
    os_level os = {KB_SP_UNKNOWN, false};
    dir_outcome native, wow64;
    const dir_outcome *decider;
    bool has_wow64;

    if (facts == NULL || out == NULL)
        return KB_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    out->kind = KB_VERDICT_UNKNOWN;
    software = &facts->software_hive;

    /* 1. the SOFTWARE hive */
    if (software->state != KB_FACT_PRESENT) {
        char state[KB_FACT_REASON_BYTES + 32];

        describe_state(software->state, software->reason, state, sizeof(state));
        add_reason(out, KB_REASON_DECISIVE, "hive.software", state, software->path,
                   "the SOFTWARE hive, which holds the Windows version, IIS registration and "
                   "installed updates, is %s",
                   state);
        format_text(out->summary, sizeof(out->summary),
                    "Unknown: the Windows facts could not be read (SOFTWARE hive %s).", state);
        kb_strlcpy(out->remedy,
                   "Check the image (is the SOFTWARE hive intact?) or inspect the running "
                   "system by hand.",
                   sizeof(out->remedy));
        add_evidence(out, "registry", "hive.software", software->path, "%s", state);
        return KB_OK;
    }

    note_hive_health(software, "hive.software.health", "SOFTWARE", out);
    note_hive_health(&facts->system_hive, "hive.system.health", "SYSTEM", out);

    /* 2. NT 5.2 build 3790; 3. IIS 6; 4. SP2 */
    if (decide_os_identity(facts, out) || decide_iis_installed(facts, out) ||
        decide_os_level(facts, out, &os)) {
        note_service(facts, out);
        return KB_OK;
    }

    /* 5. each inetsrv directory; the worse wins */
    judge_dir(facts, &facts->iis.native, "system32", out, &native);
    decider = &native;
    has_wow64 = facts->iis.wow64.state == KB_FACT_PRESENT || dir_has_binaries(&facts->iis.wow64);
    if (has_wow64) {
        judge_dir(facts, &facts->iis.wow64, "syswow64", out, &wow64);
        if (wow64.kind > native.kind) {
            decider = &wow64;
            out->flags |= KB_VERDICT_FLAG_WOW64_DECIDES;
        }
    }
    out->kind = decider->kind;
    kb_strlcpy(out->summary, decider->summary, sizeof(out->summary));
    finish_remedy(out, decider);

    /* 4 again: a doubtful OS level cannot be called safe */
    if (out->kind == KB_VERDICT_SAFE && os.doubtful) {
        out->kind = KB_VERDICT_UNKNOWN;
        add_reason(out, KB_REASON_DECISIVE, "os.service_pack", "doubtful", facts->os.csd_version.where,
                   "IIS is at SP2 level, but the OS service-pack level is doubtful (CSDVersion "
                   "and kernel32.dll/ntdll.dll disagree), so \"safe\" cannot be confirmed");
        format_text(out->summary, sizeof(out->summary),
                    "Unknown: IIS binaries are at SP2 level but CSDVersion and the core OS files "
                    "disagree about the service pack.");
        kb_strlcpy(out->remedy,
                   "Check the service pack by hand (winver, and the version of "
                   "%windir%\\system32\\kernel32.dll) before patching.",
                   sizeof(out->remedy));
    }
    note_service(facts, out);
    return KB_OK;
}

void kb_verdict_no_windows(kb_verdict *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = KB_VERDICT_NOT_APPLICABLE;
    add_reason(out, KB_REASON_DECISIVE, "image.windows", "none", "",
               "no Windows installation (a directory holding system32\\config\\SOFTWARE) was "
               "found on any partition");
    kb_strlcpy(out->summary, "Not applicable: no Windows installation was found in the image.",
               sizeof(out->summary));
}

/* ---------------------------------------------------------------------------------------
 * Names, combination, exit status
 * ------------------------------------------------------------------------------------- */

static const char *const kind_names[KB_VERDICT_KIND_COUNT] = {
    "not-applicable", "safe", "unknown", "at-risk", "broken",
};

kb_verdict_kind kb_verdict_worst(kb_verdict_kind a, kb_verdict_kind b)
{
    return a > b ? a : b;
}

const char *kb_verdict_kind_name(kb_verdict_kind kind)
{
    if ((unsigned)kind >= KB_VERDICT_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

bool kb_verdict_kind_parse(const char *name, kb_verdict_kind *out)
{
    for (unsigned i = 0; i < KB_VERDICT_KIND_COUNT; i++) {
        if (name != NULL && strcmp(name, kind_names[i]) == 0) {
            *out = (kb_verdict_kind)i;
            return true;
        }
    }
    return false;
}

const char *kb_reason_role_name(kb_reason_role role)
{
    switch (role) {
    case KB_REASON_DECISIVE:
        return "decisive";
    case KB_REASON_SUPPORTING:
        return "supporting";
    case KB_REASON_NOTE:
        return "note";
    }
    return "note";
}

const char *kb_verdict_flag_name(unsigned flag)
{
    static const char *const names[KB_VERDICT_FLAG_COUNT] = {
        "mixed-levels",   "csd-mismatch", "os-level-doubtful", "update-pending",
        "v2-on-mismatch", "candidate-breaks", "wow64-decides", "rtm-iis",
        "w3svc-disabled", "iis-registration", "truncated",
    };

    for (unsigned i = 0; i < KB_VERDICT_FLAG_COUNT; i++) {
        if (flag == 1u << i)
            return names[i];
    }
    return NULL;
}

const kb_verdict_reason *kb_verdict_find_reason(const kb_verdict *verdict, const char *fact)
{
    for (size_t i = 0; i < verdict->reason_count; i++) {
        if (strcmp(verdict->reasons[i].fact, fact) == 0)
            return &verdict->reasons[i];
    }
    return NULL;
}

int kb_verdict_exit_bit(kb_verdict_kind kind)
{
    switch (kind) {
    case KB_VERDICT_AT_RISK:
        return KB_EXIT_AT_RISK;
    case KB_VERDICT_BROKEN:
        return KB_EXIT_BROKEN;
    case KB_VERDICT_UNKNOWN:
        return KB_EXIT_UNKNOWN;
    case KB_VERDICT_SAFE:
    case KB_VERDICT_NOT_APPLICABLE:
        return KB_EXIT_OK;
    }
    return KB_EXIT_UNKNOWN;
}

int kb_verdict_exit_status(const kb_image_outcome *outcomes, size_t count)
{
    int status = KB_EXIT_OK;

    for (size_t i = 0; outcomes != NULL && i < count; i++)
        status |= outcomes[i].open_failed ? KB_EXIT_OPEN_FAILED
                                          : kb_verdict_exit_bit(outcomes[i].kind);
    return status;
}
