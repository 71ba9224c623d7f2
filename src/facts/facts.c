/* SPDX-License-Identifier: Apache-2.0 */
/* facts.c - building and reading the plain fact structs of facts.h; no I/O. */
#include "facts/facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

void kb_pe_fact_init(kb_pe_fact *fact, unsigned partition_index, const char *path)
{
    memset(fact, 0, sizeof(*fact));
    fact->partition_index = partition_index;
    fact->sp_level = KB_SP_UNKNOWN;
    if (path != NULL)
        kb_strlcpy(fact->path, path, sizeof(fact->path));
}

static void dir_init(kb_iis_dir_facts *dir)
{
    memset(dir, 0, sizeof(*dir));
    kb_pe_fact_init(&dir->iisutil, 0, NULL);
    kb_pe_fact_init(&dir->w3core, 0, NULL);
}

void kb_install_facts_init(kb_install_facts *facts)
{
    memset(facts, 0, sizeof(*facts));
    facts->os.sp_level = KB_SP_UNKNOWN;
    kb_pe_fact_init(&facts->os.kernel32, 0, NULL);
    kb_pe_fact_init(&facts->os.ntdll, 0, NULL);
    dir_init(&facts->iis.native);
    dir_init(&facts->iis.wow64);
    kb_pe_fact_init(&facts->candidate, 0, NULL);
}

static void dir_free(kb_iis_dir_facts *dir)
{
    free(dir->files);
    dir->files = NULL;
    dir->file_count = 0;
}

void kb_install_facts_free(kb_install_facts *facts)
{
    if (facts == NULL)
        return;
    dir_free(&facts->iis.native);
    dir_free(&facts->iis.wow64);
    free(facts->updates);
    facts->updates = NULL;
    facts->update_count = 0;
}

static void copy_or_empty(char *dst, const char *src, size_t size)
{
    kb_strlcpy(dst, src != NULL ? src : "", size);
}

void kb_fact_string_set(kb_fact_string *fact, const char *value, const char *where)
{
    fact->state = KB_FACT_PRESENT;
    copy_or_empty(fact->value, value, sizeof(fact->value));
    copy_or_empty(fact->where, where, sizeof(fact->where));
    fact->reason[0] = '\0';
}

void kb_fact_dword_set(kb_fact_dword *fact, uint32_t value, const char *where)
{
    fact->state = KB_FACT_PRESENT;
    fact->value = value;
    copy_or_empty(fact->where, where, sizeof(fact->where));
    fact->reason[0] = '\0';
}

void kb_fact_string_set_absent(kb_fact_string *fact, const char *where)
{
    fact->state = KB_FACT_ABSENT;
    fact->value[0] = '\0';
    copy_or_empty(fact->where, where, sizeof(fact->where));
    fact->reason[0] = '\0';
}

void kb_fact_dword_set_absent(kb_fact_dword *fact, const char *where)
{
    fact->state = KB_FACT_ABSENT;
    fact->value = 0;
    copy_or_empty(fact->where, where, sizeof(fact->where));
    fact->reason[0] = '\0';
}

void kb_fact_string_set_error(kb_fact_string *fact, const char *where, const char *reason)
{
    fact->state = KB_FACT_ERROR;
    fact->value[0] = '\0';
    copy_or_empty(fact->where, where, sizeof(fact->where));
    copy_or_empty(fact->reason, reason, sizeof(fact->reason));
}

void kb_fact_dword_set_error(kb_fact_dword *fact, const char *where, const char *reason)
{
    fact->state = KB_FACT_ERROR;
    fact->value = 0;
    copy_or_empty(fact->where, where, sizeof(fact->where));
    copy_or_empty(fact->reason, reason, sizeof(fact->reason));
}

kb_status kb_iis_dir_add_file(kb_iis_dir_facts *dir, const kb_pe_fact *file, kb_error *err)
{
    kb_pe_fact *grown;

    if (dir->file_count >= KB_MAX_INETSRV_FILES)
        return kb_error_set(err, KB_ERR_LIMIT,
                            "more than %d PE files in inetsrv directory (KB_MAX_INETSRV_FILES)",
                            KB_MAX_INETSRV_FILES);
    grown = realloc(dir->files, (dir->file_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "no memory for inetsrv file list");
    dir->files = grown;
    dir->files[dir->file_count++] = *file;
    dir->files_state = KB_FACT_PRESENT;
    return KB_OK;
}

kb_status kb_facts_add_update(kb_install_facts *facts, const kb_update_fact *update,
                              kb_error *err)
{
    kb_update_fact *grown;

    if (facts->update_count >= KB_MAX_UPDATES)
        return kb_error_set(err, KB_ERR_LIMIT, "more than %d installed updates (KB_MAX_UPDATES)",
                            KB_MAX_UPDATES);
    grown = realloc(facts->updates, (facts->update_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "no memory for update list");
    facts->updates = grown;
    facts->updates[facts->update_count++] = *update;
    facts->updates_state = KB_FACT_PRESENT;
    return KB_OK;
}

void kb_import_fact_add_unresolved(kb_import_fact *fact, const char *name)
{
    fact->unresolved++;
    if (fact->listed < KB_MAX_REPORTED_UNRESOLVED) {
        copy_or_empty(fact->unresolved_names[fact->listed], name,
                      sizeof(fact->unresolved_names[0]));
        fact->listed++;
    }
}

/* ---------------------------------------------------------------------------------------
 * Versions and levels
 * ------------------------------------------------------------------------------------- */

int kb_file_version_compare(const kb_file_version *a, const kb_file_version *b)
{
    for (size_t i = 0; i < 4; i++) {
        if (a->part[i] != b->part[i])
            return a->part[i] < b->part[i] ? -1 : 1;
    }
    return 0;
}

void kb_file_version_format(const kb_file_version *version, char *out, size_t out_size)
{
    if (out_size == 0)
        return;
    snprintf(out, out_size, "%u.%u.%u.%u", (unsigned)version->part[0],
             (unsigned)version->part[1], (unsigned)version->part[2], (unsigned)version->part[3]);
}

kb_status kb_file_version_parse(const char *text, kb_file_version *out)
{
    kb_file_version v = {{0, 0, 0, 0}};
    const char *p = text;

    if (text == NULL)
        return KB_ERR_ARGUMENT;
    for (size_t i = 0; i < 4; i++) {
        unsigned long n = 0;
        size_t digits = 0;

        while (*p >= '0' && *p <= '9') {
            n = n * 10 + (unsigned long)(*p - '0');
            if (n > 65535)
                return KB_ERR_CORRUPT;
            p++;
            digits++;
        }
        if (digits == 0)
            return KB_ERR_CORRUPT;
        v.part[i] = (uint16_t)n;
        if (i < 3) {
            if (*p != '.')
                return KB_ERR_CORRUPT;
            p++;
        }
    }
    if (*p != '\0')
        return KB_ERR_CORRUPT;
    *out = v;
    return KB_OK;
}

/* The revision bands shared by 5.2.3790 (OS) and 6.0.3790 (IIS). */
static int level_of_revision(unsigned revision)
{
    if (revision >= KB_REVISION_SP2)
        return KB_SP_2;
    if (revision >= KB_REVISION_SP1)
        return KB_SP_1;
    return KB_SP_RTM;
}

int kb_facts_os_sp_level(const kb_file_version *version)
{
    if (version->part[0] != 5 || version->part[1] != 2 || version->part[2] != 3790)
        return KB_SP_UNKNOWN;
    return level_of_revision(version->part[3]);
}

int kb_facts_iis_sp_level(const kb_file_version *version)
{
    if (version->part[0] != 6 || version->part[1] != 0 || version->part[2] != 3790)
        return KB_SP_UNKNOWN;
    return level_of_revision(version->part[3]);
}

bool kb_facts_iis_seed_rule_mismatch(const kb_file_version *version)
{
    if (kb_facts_iis_sp_level(version) == KB_SP_UNKNOWN)
        return false;
    return version->part[3] == 0 || version->part[3] < KB_REVISION_SEED_MISMATCH_BELOW;
}

int kb_facts_parse_csd_version(const char *text)
{
    static const char prefix[] = "service pack";
    const char *p;
    long n = 0;
    size_t digits = 0;

    if (text == NULL)
        return KB_SP_RTM;
    while (*text == ' ' || *text == '\t')
        text++;
    if (*text == '\0')
        return KB_SP_RTM;
    if (!kb_ascii_istarts_with(text, prefix))
        return KB_SP_UNKNOWN;
    p = text + sizeof(prefix) - 1;
    while (*p == ' ')
        p++;
    while (*p >= '0' && *p <= '9' && digits < 3) {
        n = n * 10 + (*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || (*p >= '0' && *p <= '9'))
        return KB_SP_UNKNOWN;
    /* what follows the number must not continue it as a word ("Service Pack 2a") */
    if (*p != '\0' && *p != ',' && *p != ' ' && *p != ';' && *p != '.')
        return KB_SP_UNKNOWN;
    return (int)n;
}

int kb_facts_csd_level(const kb_fact_string *csd_version)
{
    switch (csd_version->state) {
    case KB_FACT_ABSENT:
        return KB_SP_RTM;
    case KB_FACT_PRESENT:
        return kb_facts_parse_csd_version(csd_version->value);
    case KB_FACT_NOT_READ:
    case KB_FACT_ERROR:
    default:
        return KB_SP_UNKNOWN;
    }
}

/* ---------------------------------------------------------------------------------------
 * Build-lab strings
 * ------------------------------------------------------------------------------------- */

kb_status kb_facts_build_lab_from_file_version(const char *file_version, char *out,
                                               size_t out_size)
{
    const char *start;
    size_t n;

    if (out_size == 0)
        return KB_ERR_ARGUMENT;
    out[0] = '\0';
    if (!kb_text_parenthesized(file_version, &start, &n))
        return KB_ERR_NOT_FOUND;
    if (n > out_size - 1)
        n = out_size - 1;
    memcpy(out, start, n);
    out[n] = '\0';
    return KB_OK;
}

static bool is_branch_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

kb_status kb_facts_branch_from_build_lab(const char *build_lab, char *out, size_t out_size)
{
    const char *p, *q;
    size_t n;
    bool underscore = false;

    if (out_size == 0)
        return KB_ERR_ARGUMENT;
    out[0] = '\0';
    if (build_lab == NULL)
        return KB_ERR_NOT_FOUND;
    p = strchr(build_lab, '(');
    p = p != NULL ? p + 1 : build_lab;
    while (*p == ' ')
        p++;
    /* registry BuildLab: "3790.srv03_sp2_rtm.070216-1710" - skip the build number */
    q = p;
    while (*q >= '0' && *q <= '9')
        q++;
    if (q != p && *q == '.')
        p = q + 1;
    for (q = p; is_branch_char(*q); q++) {
        if (*q == '_')
            underscore = true;
    }
    n = (size_t)(q - p);
    if (n == 0 || !underscore)
        return KB_ERR_NOT_FOUND;
    if (n > out_size - 1)
        n = out_size - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return KB_OK;
}

/* ---------------------------------------------------------------------------------------
 * Derivation
 * ------------------------------------------------------------------------------------- */

static void derive_pe(kb_pe_fact *pe, bool os_file)
{
    pe->sp_level = KB_SP_UNKNOWN;
    pe->build_lab[0] = '\0';
    pe->branch[0] = '\0';
    if (pe->state != KB_FACT_PRESENT)
        return;
    if (kb_facts_build_lab_from_file_version(pe->file_version_string, pe->build_lab,
                                             sizeof(pe->build_lab)) == KB_OK)
        (void)kb_facts_branch_from_build_lab(pe->build_lab, pe->branch, sizeof(pe->branch));
    if (pe->version_state == KB_FACT_PRESENT) {
        pe->sp_level = os_file ? kb_facts_os_sp_level(&pe->file_version)
                               : kb_facts_iis_sp_level(&pe->file_version);
        /* an inetsrv directory holds a few OS-versioned files too */
        if (pe->sp_level == KB_SP_UNKNOWN)
            pe->sp_level = os_file ? kb_facts_iis_sp_level(&pe->file_version)
                                   : kb_facts_os_sp_level(&pe->file_version);
    }
}

static void derive_dir(kb_iis_dir_facts *dir)
{
    derive_pe(&dir->iisutil, false);
    derive_pe(&dir->w3core, false);
    for (size_t i = 0; i < dir->file_count; i++)
        derive_pe(&dir->files[i], false);
}

void kb_facts_derive(kb_install_facts *facts)
{
    facts->os.sp_level = kb_facts_csd_level(&facts->os.csd_version);
    derive_pe(&facts->os.kernel32, true);
    derive_pe(&facts->os.ntdll, true);
    derive_dir(&facts->iis.native);
    derive_dir(&facts->iis.wow64);
    derive_pe(&facts->candidate, false);
}

/* ---------------------------------------------------------------------------------------
 * Updates
 * ------------------------------------------------------------------------------------- */

bool kb_update_id_in_family(const char *id, const char *family)
{
    size_t n = strlen(family);

    if (!kb_ascii_istarts_with(id, family))
        return false;
    return id[n] == '\0' || id[n] == '-';
}

const kb_update_fact *kb_facts_find_update(const kb_install_facts *facts, const char *id)
{
    for (size_t i = 0; i < facts->update_count; i++) {
        if (kb_ascii_iequal(facts->updates[i].id, id))
            return &facts->updates[i];
    }
    return NULL;
}

const kb_update_fact *kb_facts_find_update_family(const kb_install_facts *facts,
                                                  const char *family, size_t *cursor)
{
    for (size_t i = cursor != NULL ? *cursor : 0; i < facts->update_count; i++) {
        if (kb_update_id_in_family(facts->updates[i].id, family)) {
            if (cursor != NULL)
                *cursor = i + 1;
            return &facts->updates[i];
        }
    }
    if (cursor != NULL)
        *cursor = facts->update_count;
    return NULL;
}

/* ---------------------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------------------- */

void kb_pe_fact_where(const kb_pe_fact *fact, char *out, size_t out_size)
{
    if (out_size == 0)
        return;
    if (fact->from_host)
        snprintf(out, out_size, "host: %s", fact->path);
    else
        snprintf(out, out_size, "partition %u: %s", fact->partition_index, fact->path);
}

const char *kb_fact_state_name(kb_fact_state state)
{
    switch (state) {
    case KB_FACT_NOT_READ:
        return "not-read";
    case KB_FACT_PRESENT:
        return "present";
    case KB_FACT_ABSENT:
        return "absent";
    case KB_FACT_ERROR:
        return "error";
    }
    return "error";
}

const char *kb_sp_level_name(int level)
{
    static const char *const names[] = {"RTM", "SP1", "SP2", "SP3", "SP4", "SP5", "SP6"};

    if (level < 0 || (size_t)level >= sizeof(names) / sizeof(names[0]))
        return level < 0 ? "unknown" : "SP?";
    return names[level];
}
