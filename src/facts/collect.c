/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collect.c - fills kb_install_facts from one Windows installation, through the artefact
 * layers: hive (SOFTWARE, SYSTEM, the installed-update list) and pe (every PE file read).
 *
 * Nothing here fails because the evidence is damaged: each fact that cannot be read is
 * recorded as KB_FACT_ERROR with the reason, and the verdict decides what that means.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "facts/facts.h"
#include "hive/hive.h"
#include "pe/pe.h"
#include "util/text.h"

/* Registry locations (domain.md, "Registry"). */
#define KEY_CURRENT_VERSION "Microsoft\\Windows NT\\CurrentVersion"
#define KEY_INETSTP "Microsoft\\InetStp"
#define KEY_OC_SUBCOMPONENTS "Microsoft\\Windows\\CurrentVersion\\Setup\\Oc Manager\\Subcomponents"
#define KEY_SETUP "Microsoft\\Windows\\CurrentVersion\\Setup"

/* Milliseconds of the monotonic clock, for kb_install_facts.timing. */
static double now_ms(void)
{
    struct timespec t;

    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
        return 0.0;
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

typedef struct collector {
    struct kb_fs *fs;
    unsigned partition;
    const char *windows_dir;
    kb_install_facts *facts;
    kb_hive *software;
    kb_hive *system;
    const kb_pe *candidate;
} collector;

/* "<windows_dir>\<rest>" into out. */
static void windows_path(const collector *c, const char *rest, char *out, size_t size)
{
    /* A Windows directory name is at most 255 UTF-16 units, so this fits KB_MAX_PATH_BYTES;
     * were it cut, the lookup of the cut path would just find nothing. */
    (void)kb_str_join3(out, size, c->windows_dir, "\\", rest);
}

static void where_value(char *out, size_t size, const char *hive, const char *key,
                        const char *value)
{
    char head[KB_FACT_WHERE_BYTES];

    /* Keys and value names here are kbprobe's own constants plus a control set name from
     * the SYSTEM hive; a cut location only shortens what the report shows. */
    (void)kb_str_join3(head, sizeof(head), hive, "\\", key);
    (void)kb_str_join3(out, size, head, "\\", value);
}

static void read_string(kb_hive *hive, const char *hive_name, const char *key, const char *value,
                        kb_fact_string *fact)
{
    char where[KB_FACT_WHERE_BYTES];
    char text[KB_FACT_TEXT_BYTES];
    kb_error err;
    kb_status st;

    where_value(where, sizeof(where), hive_name, key, value);
    kb_error_clear(&err);
    st = kb_hive_get_string(hive, key, value, text, sizeof(text), &err);
    if (st == KB_OK)
        kb_fact_string_set(fact, text, where);
    else if (st == KB_ERR_NOT_FOUND)
        kb_fact_string_set_absent(fact, where);
    else
        kb_fact_string_set_error(fact, where, err.message);
}

static void read_dword(kb_hive *hive, const char *hive_name, const char *key, const char *value,
                       kb_fact_dword *fact)
{
    char where[KB_FACT_WHERE_BYTES];
    uint32_t number = 0;
    kb_error err;
    kb_status st;

    where_value(where, sizeof(where), hive_name, key, value);
    kb_error_clear(&err);
    st = kb_hive_get_dword(hive, key, value, &number, &err);
    if (st == KB_OK)
        kb_fact_dword_set(fact, number, where);
    else if (st == KB_ERR_NOT_FOUND)
        kb_fact_dword_set_absent(fact, where);
    else
        kb_fact_dword_set_error(fact, where, err.message);
}

/* Whether an open hive's facts may be stale: an incomplete write (sequence numbers) or a
 * transaction log beside it. A base block or log that cannot be checked is said too. */
static void hive_health(collector *c, kb_hive *hive, const char *name, kb_fact_hive *fact)
{
    /* Composed here, then cut to fit the fact. */
    char text[KB_FACT_REASON_BYTES + KB_ERROR_MESSAGE_MAX];
    kb_error err;
    bool log_present = false;
    uint64_t log_size = 0;

    kb_error_clear(&err);
    if (kb_hive_sequence_numbers(hive, &fact->primary_sequence, &fact->secondary_sequence,
                                 &err) != KB_OK) {
        fact->dirty = true;
        snprintf(text, sizeof(text), "base block unreadable: %s", err.message);
        kb_strlcpy(fact->health_reason, text, sizeof(fact->health_reason));
        return;
    }
    fact->dirty = fact->primary_sequence != fact->secondary_sequence;
    kb_error_clear(&err);
    if (kb_hive_log_find(c->fs, fact->path, &log_present, &log_size, &err) != KB_OK) {
        snprintf(text, sizeof(text), "%s.LOG could not be looked up: %s", name, err.message);
        kb_strlcpy(fact->health_reason, text, sizeof(fact->health_reason));
        return;
    }
    fact->log_present = log_present;
    fact->log_size = log_size;
    if (fact->dirty && log_present)
        snprintf(fact->health_reason, sizeof(fact->health_reason),
                 "sequence numbers %u and %u differ (a write did not complete) and %s.LOG "
                 "(%llu bytes) is present: changes may be pending in the log, not replayed",
                 (unsigned)fact->primary_sequence, (unsigned)fact->secondary_sequence, name,
                 (unsigned long long)log_size);
    else if (fact->dirty)
        snprintf(fact->health_reason, sizeof(fact->health_reason),
                 "sequence numbers %u and %u differ: a write did not complete",
                 (unsigned)fact->primary_sequence, (unsigned)fact->secondary_sequence);
    else if (log_present)
        snprintf(fact->health_reason, sizeof(fact->health_reason),
                 "%s.LOG (%llu bytes) is present; it is not replayed", name,
                 (unsigned long long)log_size);
}

/* Opens one hive of the installation; records its health in *fact. NULL when unreadable. */
static kb_hive *open_hive(collector *c, const char *name, kb_fact_hive *fact)
{
    char path[KB_MAX_PATH_BYTES];
    kb_hive *hive = NULL;
    kb_error err;
    kb_status st;

    snprintf(path, sizeof(path), "%s\\system32\\config\\%s", c->windows_dir, name);
    kb_strlcpy(fact->path, path, sizeof(fact->path));
    kb_error_clear(&err);
    st = kb_hive_open(c->fs, path, &hive, &err);
    if (st == KB_OK) {
        fact->state = KB_FACT_PRESENT;
        hive_health(c, hive, name, fact);
        return hive;
    }
    fact->state = st == KB_ERR_NOT_FOUND ? KB_FACT_ABSENT : KB_FACT_ERROR;
    kb_strlcpy(fact->reason, err.message, sizeof(fact->reason));
    return NULL;
}

/* Copies what the parser found into a PE fact. */
static void pe_fact_from_pe(kb_pe_fact *fact, const kb_pe *pe)
{
    const char *text;
    size_t i;

    fact->state = KB_FACT_PRESENT;
    kb_strlcpy(fact->machine, kb_pe_machine_name(pe->machine), sizeof(fact->machine));
    if (!pe->has_version) {
        fact->version_state = KB_FACT_ABSENT;
        kb_strlcpy(fact->version_reason, "no VS_VERSIONINFO resource",
                   sizeof(fact->version_reason));
        return;
    }
    fact->version_state = KB_FACT_PRESENT;
    for (i = 0; i < 4; i++) {
        fact->file_version.part[i] = pe->file_version[i];
        fact->product_version.part[i] = pe->product_version[i];
    }
    text = kb_pe_string_get(pe, "FileVersion");
    if (text != NULL)
        kb_strlcpy(fact->file_version_string, text, sizeof(fact->file_version_string));
    text = kb_pe_string_get(pe, "OriginalFilename");
    if (text != NULL)
        kb_strlcpy(fact->original_filename, text, sizeof(fact->original_filename));
    text = kb_pe_string_get(pe, "CompanyName");
    if (text != NULL)
        kb_strlcpy(fact->company_name, text, sizeof(fact->company_name));
}

/*
 * Reads and parses the PE at `path` into *fact. On success *out_pe (when not NULL) receives
 * the parsed file for the caller to free; otherwise the fact says why.
 */
static void load_pe(collector *c, const char *path, kb_pe_fact *fact, kb_pe **out_pe)
{
    kb_file_meta meta;
    char sha256[KB_SHA256_HEX_SIZE] = "";
    kb_pe *pe = NULL;
    kb_error err;
    kb_status st;

    double started = now_ms();

    kb_pe_fact_init(fact, c->partition, path);
    memset(&meta, 0, sizeof(meta));
    kb_error_clear(&err);
    st = kb_pe_load(c->fs, path, &pe, &meta, sha256, &err);
    c->facts->timing.pe_ms += now_ms() - started;
    if (meta.path[0] != '\0') {
        kb_strlcpy(fact->path, meta.path, sizeof(fact->path));
        fact->mft_entry = meta.mft_entry;
        fact->size = meta.size;
    }
    kb_strlcpy(fact->sha256, sha256, sizeof(fact->sha256));
    if (st == KB_ERR_NOT_FOUND) {
        fact->state = KB_FACT_ABSENT;
        return;
    }
    if (st != KB_OK) {
        fact->state = KB_FACT_ERROR;
        kb_strlcpy(fact->reason, err.message, sizeof(fact->reason));
        return;
    }
    pe_fact_from_pe(fact, pe);
    if (out_pe != NULL)
        *out_pe = pe;
    else
        kb_pe_free(pe);
}

/*
 * Checks every name `importer` imports from IISUTIL.DLL against `exporter`'s exports. Names
 * are matched exactly (the loader binds by exact name); ordinal imports cannot be proven
 * either way from the export names alone and are counted as imported but not as unresolved.
 */
static void check_imports(const kb_pe *importer, const kb_pe *exporter, kb_import_fact *fact)
{
    const kb_pe_import_dll *dll = kb_pe_import_find(importer, "IISUTIL.DLL");
    size_t i;

    memset(fact, 0, sizeof(*fact));
    fact->state = KB_FACT_PRESENT;
    if (dll == NULL)
        return;
    fact->imported = (uint32_t)(dll->name_count + dll->ordinal_count);
    for (i = 0; i < dll->name_count; i++)
        if (!kb_pe_has_export(exporter, dll->names[i]))
            kb_import_fact_add_unresolved(fact, dll->names[i]);
}

/* The import fact when one side could not be parsed. */
static void imports_not_checked(kb_import_fact *fact, const kb_pe_fact *importer,
                                const kb_pe_fact *exporter)
{
    const kb_pe_fact *bad = importer->state != KB_FACT_PRESENT ? importer : exporter;

    memset(fact, 0, sizeof(*fact));
    fact->state = bad->state == KB_FACT_ERROR ? KB_FACT_ERROR : KB_FACT_ABSENT;
    (void)kb_str_join3(fact->reason, sizeof(fact->reason), bad->path, ": ",
                       bad->state == KB_FACT_ERROR ? bad->reason : "no such file");
}

typedef struct dir_listing {
    collector *c;
    kb_iis_dir_facts *dir;
    kb_status failure;  /* KB_ERR_NOMEM or KB_ERR_LIMIT stops the listing */
    char failure_message[KB_ERROR_MESSAGE_MAX];
    kb_pe *iisutil;
    kb_pe *w3core;
} dir_listing;

static int visit_inetsrv_entry(void *ctx, const char *name, const kb_file_meta *meta)
{
    dir_listing *listing = ctx;
    kb_pe_fact fact;
    kb_pe **keep = NULL;
    kb_error err;

    if (kb_ascii_iequal(name, "iisutil.dll") && listing->iisutil == NULL)
        keep = &listing->iisutil;
    else if (kb_ascii_iequal(name, "w3core.dll") && listing->w3core == NULL)
        keep = &listing->w3core;
    load_pe(listing->c, meta->path, &fact, keep);
    if (keep == &listing->iisutil)
        listing->dir->iisutil = fact;
    else if (keep == &listing->w3core)
        listing->dir->w3core = fact;
    kb_error_clear(&err);
    if (kb_iis_dir_add_file(listing->dir, &fact, &err) != KB_OK) {
        listing->failure = err.status;
        kb_strlcpy(listing->failure_message, err.message, sizeof(listing->failure_message));
        return 1;
    }
    return 0;
}

/* One inetsrv directory: list it, read each PE, check w3core.dll's imports. */
static kb_status collect_iis_dir(collector *c, const char *relative, kb_iis_dir_facts *dir)
{
    char path[KB_MAX_PATH_BYTES];
    char file[KB_MAX_PATH_BYTES];
    dir_listing listing;
    kb_error err;
    kb_status st;

    memset(&listing, 0, sizeof(listing));
    listing.c = c;
    listing.dir = dir;
    windows_path(c, relative, path, sizeof(path));
    dir->partition_index = c->partition;
    kb_strlcpy(dir->path, path, sizeof(dir->path));
    (void)kb_str_join3(file, sizeof(file), path, "\\", "iisutil.dll");
    kb_pe_fact_init(&dir->iisutil, c->partition, file);
    dir->iisutil.state = KB_FACT_ABSENT;
    (void)kb_str_join3(file, sizeof(file), path, "\\", "w3core.dll");
    kb_pe_fact_init(&dir->w3core, c->partition, file);
    dir->w3core.state = KB_FACT_ABSENT;

    double started = now_ms(), pe_before = c->facts->timing.pe_ms;

    kb_error_clear(&err);
    st = kb_pe_list_dir(c->fs, path, visit_inetsrv_entry, &listing, &err);
    /* the listing alone: the PE loads it made are in pe_ms */
    c->facts->timing.lookup_ms += now_ms() - started - (c->facts->timing.pe_ms - pe_before);
    if (st == KB_ERR_NOT_FOUND) {
        dir->state = KB_FACT_ABSENT;
        dir->files_state = KB_FACT_ABSENT;
        st = KB_OK;
        goto out;
    }
    if (st != KB_OK || listing.failure != KB_OK) {
        const char *why = st != KB_OK ? err.message : listing.failure_message;

        if (st == KB_ERR_NOMEM || listing.failure == KB_ERR_NOMEM) {
            st = KB_ERR_NOMEM;
            goto out;
        }
        dir->state = KB_FACT_ERROR;
        dir->files_state = KB_FACT_ERROR;
        kb_strlcpy(dir->reason, why, sizeof(dir->reason));
        kb_strlcpy(dir->files_reason, why, sizeof(dir->files_reason));
        st = KB_OK;
    } else {
        dir->state = KB_FACT_PRESENT;
        dir->files_state = KB_FACT_PRESENT;
    }

    if (listing.iisutil != NULL && listing.w3core != NULL)
        check_imports(listing.w3core, listing.iisutil, &dir->imports);
    else
        imports_not_checked(&dir->imports, &dir->w3core, &dir->iisutil);

    if (c->candidate != NULL && listing.iisutil != NULL &&
        c->candidate->machine == listing.iisutil->machine)
        check_imports(c->candidate, listing.iisutil, &dir->candidate_imports);
out:
    kb_pe_free(listing.iisutil);
    kb_pe_free(listing.w3core);
    return st;
}

static kb_status collect_updates(collector *c, kb_error *err)
{
    kb_install_facts *facts = c->facts;
    kb_hive_update *updates = NULL;
    size_t count = 0, i, w;
    kb_error local;
    kb_status st;

    kb_error_clear(&local);
    st = kb_hive_updates_list(c->software, c->fs, c->windows_dir, &updates, &count, &local);
    if (st == KB_ERR_NOMEM)
        return kb_error_set(err, st, "%s", local.message);
    if (st != KB_OK) {
        facts->updates_state = KB_FACT_ERROR;
        kb_strlcpy(facts->updates_reason, local.message, sizeof(facts->updates_reason));
        return KB_OK;
    }
    facts->updates_state = KB_FACT_PRESENT;
    for (i = 0; i < count && st == KB_OK; i++) {
        kb_update_fact fact;

        memset(&fact, 0, sizeof(fact));
        kb_strlcpy(fact.id, updates[i].id, sizeof(fact.id));
        fact.seen = updates[i].seen;
        for (w = 0; w < KB_UPDATE_WHERE_COUNT; w++)
            kb_strlcpy(fact.where[w], updates[i].where[w], sizeof(fact.where[w]));
        kb_strlcpy(fact.installed_on, updates[i].installed_on, sizeof(fact.installed_on));
        kb_strlcpy(fact.description, updates[i].description, sizeof(fact.description));
        st = kb_facts_add_update(facts, &fact, err);
    }
    free(updates);
    if (st == KB_ERR_LIMIT) {
        facts->updates_state = KB_FACT_ERROR;
        kb_strlcpy(facts->updates_reason, err != NULL ? err->message : "too many updates",
                   sizeof(facts->updates_reason));
        return KB_OK;
    }
    return st;
}

static void collect_registry(collector *c)
{
    kb_install_facts *facts = c->facts;
    kb_os_facts *os = &facts->os;
    kb_iis_facts *iis = &facts->iis;
    char key[KB_MAX_PATH_BYTES];
    kb_error err;

    if (c->software != NULL) {
        read_string(c->software, "SOFTWARE", KEY_CURRENT_VERSION, "ProductName", &os->product_name);
        read_string(c->software, "SOFTWARE", KEY_CURRENT_VERSION, "CurrentVersion",
                    &os->current_version);
        read_string(c->software, "SOFTWARE", KEY_CURRENT_VERSION, "CurrentBuildNumber",
                    &os->current_build_number);
        read_string(c->software, "SOFTWARE", KEY_CURRENT_VERSION, "CSDVersion", &os->csd_version);
        read_string(c->software, "SOFTWARE", KEY_CURRENT_VERSION, "BuildLab", &os->build_lab);
        read_string(c->software, "SOFTWARE", KEY_CURRENT_VERSION, "SystemRoot", &os->system_root);
        read_dword(c->software, "SOFTWARE", KEY_INETSTP, "MajorVersion", &iis->major_version);
        read_dword(c->software, "SOFTWARE", KEY_INETSTP, "MinorVersion", &iis->minor_version);
        read_dword(c->software, "SOFTWARE", KEY_OC_SUBCOMPONENTS, "iis_www", &iis->oc_iis_www);
        read_string(c->software, "SOFTWARE", KEY_SETUP, "SourcePath", &iis->source_path);
        read_string(c->software, "SOFTWARE", KEY_SETUP, "ServicePackSourcePath",
                    &iis->service_pack_source_path);
    }
    if (c->system != NULL) {
        char control_set[KB_FACT_CONTROL_SET_BYTES];
        kb_status st;

        kb_error_clear(&err);
        st = kb_hive_current_control_set(c->system, control_set, sizeof(control_set), &err);
        if (st == KB_OK) {
            kb_fact_string_set(&iis->control_set, control_set, "SYSTEM\\Select\\Current");
            snprintf(key, sizeof(key), "%s\\Services\\W3SVC", control_set);
            read_dword(c->system, "SYSTEM", key, "Start", &iis->w3svc_start);
        } else if (st == KB_ERR_NOT_FOUND) {
            kb_fact_string_set_absent(&iis->control_set, "SYSTEM\\Select\\Current");
        } else {
            kb_fact_string_set_error(&iis->control_set, "SYSTEM\\Select\\Current", err.message);
        }
    }
}

kb_status kb_facts_collect(struct kb_fs *fs, unsigned partition_index, uint64_t partition_offset,
                           const char *windows_dir, const kb_candidate_file *candidate,
                           kb_install_facts *facts, kb_error *err)
{
    char path[KB_MAX_PATH_BYTES];
    collector c;
    kb_pe *candidate_pe = NULL;
    kb_status st = KB_OK;
    double started;

    kb_install_facts_init(facts);
    facts->partition_index = partition_index;
    facts->partition_offset = partition_offset;
    kb_strlcpy(facts->windows_dir, windows_dir, sizeof(facts->windows_dir));

    memset(&c, 0, sizeof(c));
    c.fs = fs;
    c.partition = partition_index;
    c.windows_dir = windows_dir;
    c.facts = facts;

    if (candidate != NULL) {
        kb_error local;

        kb_pe_fact_init(&facts->candidate, 0, candidate->host_path);
        facts->candidate.from_host = true;
        facts->candidate.size = candidate->size;
        kb_error_clear(&local);
        (void)kb_sha256_buffer(candidate->data, candidate->size, facts->candidate.sha256);
        st = kb_pe_parse(candidate->data, candidate->size, &candidate_pe, &local);
        if (st == KB_OK) {
            pe_fact_from_pe(&facts->candidate, candidate_pe);
            c.candidate = candidate_pe;
        } else if (st == KB_ERR_NOMEM) {
            kb_error_set(err, st, "%s", local.message);
            goto out;
        } else {
            facts->candidate.state = KB_FACT_ERROR;
            kb_strlcpy(facts->candidate.reason, local.message, sizeof(facts->candidate.reason));
        }
        st = KB_OK;
    }

    started = now_ms();
    c.software = open_hive(&c, "SOFTWARE", &facts->software_hive);
    c.system = open_hive(&c, "SYSTEM", &facts->system_hive);
    collect_registry(&c);
    facts->timing.hive_ms += now_ms() - started;

    windows_path(&c, "system32\\kernel32.dll", path, sizeof(path));
    load_pe(&c, path, &facts->os.kernel32, NULL);
    windows_path(&c, "system32\\ntdll.dll", path, sizeof(path));
    load_pe(&c, path, &facts->os.ntdll, NULL);

    st = collect_iis_dir(&c, "system32\\inetsrv", &facts->iis.native);
    if (st == KB_OK)
        st = collect_iis_dir(&c, "SysWOW64\\inetsrv", &facts->iis.wow64);
    if (st == KB_OK) {
        started = now_ms();
        st = collect_updates(&c, err);
        facts->timing.hive_ms += now_ms() - started;
    }
    if (st == KB_ERR_NOMEM)
        kb_error_set(err, st, "out of memory collecting facts of %s", windows_dir);
    kb_facts_derive(facts);
out:
    kb_pe_free(candidate_pe);
    kb_hive_close(c.software);
    kb_hive_close(c.system);
    return st;
}
