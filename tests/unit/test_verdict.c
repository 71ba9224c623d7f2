/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_verdict.c - every row of domain.md's verdict table and every refinement, with facts
 * built by hand as plain structs. Each case starts from a healthy Windows Server 2003 SP2
 * x86 installation with IIS 6 at SP2 level (make_sp2) and changes what the case is about.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "facts/facts.h"
#include "verdict/verdict.h"

#define CV "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\"
#define INETSRV "\\WINDOWS\\system32\\inetsrv\\"
#define WOW64 "\\WINDOWS\\SysWOW64\\inetsrv\\"

typedef struct fixture {
    kb_install_facts facts;
    kb_verdict verdict;
} fixture;

static void set_pe(kb_pe_fact *pe, const char *path, uint16_t a, uint16_t b, uint16_t c,
                   uint16_t d, const char *lab)
{
    kb_pe_fact_init(pe, 1, path);
    pe->state = KB_FACT_PRESENT;
    pe->version_state = KB_FACT_PRESENT;
    pe->file_version.part[0] = a;
    pe->file_version.part[1] = b;
    pe->file_version.part[2] = c;
    pe->file_version.part[3] = d;
    pe->product_version = pe->file_version;
    pe->size = 123456;
    pe->mft_entry = 4242;
    snprintf(pe->sha256, sizeof(pe->sha256), "%064d", 7);
    snprintf(pe->file_version_string, sizeof(pe->file_version_string), "%u.%u.%u.%u (%s)", a, b,
             c, d, lab);
    snprintf(pe->machine, sizeof(pe->machine), "i386");
}

static void set_iisutil(kb_install_facts *f, uint16_t revision)
{
    set_pe(&f->iis.native.iisutil, INETSRV "iisutil.dll", 6, 0, 3790, revision,
           revision >= 3959 ? "srv03_sp2_rtm.070216-1710"
           : revision >= 1830 ? "srv03_sp1_rtm.050324-1447"
                              : "srv03_rtm.030324-2048");
}

static void set_imports_ok(kb_iis_dir_facts *d)
{
    memset(&d->imports, 0, sizeof(d->imports));
    d->imports.state = KB_FACT_PRESENT;
    d->imports.imported = 218;
}

static void add_update(kb_install_facts *f, const char *id, unsigned seen)
{
    kb_update_fact u;

    memset(&u, 0, sizeof(u));
    snprintf(u.id, sizeof(u.id), "%s", id);
    u.seen = seen;
    if (seen & KB_UPDATE_SEEN_UPDATES)
        snprintf(u.where[KB_UPDATE_WHERE_UPDATES], sizeof(u.where[0]),
                 "SOFTWARE\\Microsoft\\Updates\\Windows Server 2003\\SP3\\%s", id);
    if (seen & KB_UPDATE_SEEN_HOTFIX)
        snprintf(u.where[KB_UPDATE_WHERE_HOTFIX], sizeof(u.where[0]), CV "HotFix\\%s", id);
    snprintf(u.installed_on, sizeof(u.installed_on), "20091209");
    assert_int_equal(kb_facts_add_update(f, &u, NULL), KB_OK);
}

/* Windows Server 2003 SP2 x86, IIS 6 at SP2 level, imports resolve, no updates. */
static void make_sp2(kb_install_facts *f)
{
    kb_install_facts_init(f);
    f->partition_index = 1;
    f->partition_offset = 32256;
    snprintf(f->windows_dir, sizeof(f->windows_dir), "\\WINDOWS");
    f->software_hive.state = KB_FACT_PRESENT;
    snprintf(f->software_hive.path, sizeof(f->software_hive.path),
             "\\WINDOWS\\system32\\config\\SOFTWARE");
    f->system_hive.state = KB_FACT_PRESENT;
    snprintf(f->system_hive.path, sizeof(f->system_hive.path),
             "\\WINDOWS\\system32\\config\\SYSTEM");
    kb_fact_string_set(&f->os.product_name, "Microsoft Windows Server 2003", CV "ProductName");
    kb_fact_string_set(&f->os.current_version, "5.2", CV "CurrentVersion");
    kb_fact_string_set(&f->os.current_build_number, "3790", CV "CurrentBuildNumber");
    kb_fact_string_set(&f->os.csd_version, "Service Pack 2", CV "CSDVersion");
    kb_fact_string_set(&f->os.build_lab, "3790.srv03_sp2_rtm.070216-1710", CV "BuildLab");
    kb_fact_string_set(&f->os.system_root, "C:\\WINDOWS", CV "SystemRoot");
    set_pe(&f->os.kernel32, "\\WINDOWS\\system32\\kernel32.dll", 5, 2, 3790, 4062,
           "srv03_sp2_gdr.070417-0203");
    set_pe(&f->os.ntdll, "\\WINDOWS\\system32\\ntdll.dll", 5, 2, 3790, 3959,
           "srv03_sp2_rtm.070216-1710");
    kb_fact_dword_set(&f->iis.major_version, 6, "SOFTWARE\\Microsoft\\InetStp\\MajorVersion");
    kb_fact_dword_set(&f->iis.minor_version, 0, "SOFTWARE\\Microsoft\\InetStp\\MinorVersion");
    kb_fact_dword_set(&f->iis.oc_iis_www, 1,
                      "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\Oc "
                      "Manager\\Subcomponents\\iis_www");
    kb_fact_string_set(&f->iis.control_set, "ControlSet001", "SYSTEM\\Select\\Current");
    kb_fact_dword_set(&f->iis.w3svc_start, 2, "SYSTEM\\ControlSet001\\Services\\W3SVC\\Start");
    kb_fact_string_set(&f->iis.source_path, "D:\\",
                       "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\SourcePath");
    kb_fact_string_set(&f->iis.service_pack_source_path, "D:\\",
                       "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\"
                       "ServicePackSourcePath");
    f->iis.native.state = KB_FACT_PRESENT;
    f->iis.native.partition_index = 1;
    snprintf(f->iis.native.path, sizeof(f->iis.native.path), "\\WINDOWS\\system32\\inetsrv");
    set_iisutil(f, 3959);
    set_pe(&f->iis.native.w3core, INETSRV "w3core.dll", 6, 0, 3790, 3959,
           "srv03_sp2_rtm.070216-1710");
    set_imports_ok(&f->iis.native);
    f->iis.wow64.state = KB_FACT_ABSENT;
    f->updates_state = KB_FACT_PRESENT;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));

    if (fx == NULL)
        return -1;
    make_sp2(&fx->facts);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    kb_install_facts_free(&fx->facts);
    free(fx);
    return 0;
}

static kb_verdict *decide(fixture *fx)
{
    assert_int_equal(kb_verdict_decide(&fx->facts, &fx->verdict), KB_OK);
    assert_true(fx->verdict.summary[0] != '\0');
    return &fx->verdict;
}

/* The reason about `fact` exists, and when role >= 0 has that role. */
static const kb_verdict_reason *expect_reason(const kb_verdict *v, const char *fact, int role)
{
    for (size_t i = 0; i < v->reason_count; i++) {
        if (strcmp(v->reasons[i].fact, fact) == 0 &&
            (role < 0 || v->reasons[i].role == (kb_reason_role)role))
            return &v->reasons[i];
    }
    fail_msg("no reason with fact %s (role %d); summary: %s", fact, role, v->summary);
    return NULL;
}

static bool any_reason_mentions(const kb_verdict *v, const char *needle)
{
    for (size_t i = 0; i < v->reason_count; i++) {
        if (strstr(v->reasons[i].text, needle) != NULL ||
            strstr(v->reasons[i].value, needle) != NULL)
            return true;
    }
    return false;
}

static void expect_kind(const kb_verdict *v, kb_verdict_kind kind)
{
    if (v->kind != kind)
        fail_msg("verdict %s, expected %s: %s", kb_verdict_kind_name(v->kind),
                 kb_verdict_kind_name(kind), v->summary);
}

/* ---------------------------------------------------------------------------------------
 * Row: a fact the decision needs could not be read -> unknown
 * ------------------------------------------------------------------------------------- */

static void test_kb_verdict_decide_software_hive_corrupt_is_unknown(void **state)
{
    fixture *fx = *state;
    const kb_verdict_reason *r;
    kb_verdict *v;

    fx->facts.software_hive.state = KB_FACT_ERROR;
    snprintf(fx->facts.software_hive.reason, sizeof(fx->facts.software_hive.reason),
             "regf signature missing at offset 0x0");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    r = expect_reason(v, "hive.software", KB_REASON_DECISIVE);
    assert_non_null(strstr(r->value, "regf signature missing"));
    assert_string_equal(r->where, "\\WINDOWS\\system32\\config\\SOFTWARE");
    assert_non_null(strstr(v->summary, "SOFTWARE"));
}

static void test_kb_verdict_decide_software_hive_missing_is_unknown(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    fx->facts.software_hive.state = KB_FACT_ABSENT;
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    assert_string_equal(expect_reason(v, "hive.software", KB_REASON_DECISIVE)->value, "absent");
}

static void test_kb_verdict_decide_version_and_kernel32_unreadable_is_unknown(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_string_set_error(&fx->facts.os.current_version, CV "CurrentVersion",
                             "value has type REG_BINARY");
    fx->facts.os.kernel32.state = KB_FACT_ERROR;
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    assert_non_null(
        strstr(expect_reason(v, "os.current_version", KB_REASON_DECISIVE)->value, "REG_BINARY"));
}

static void test_kb_verdict_decide_version_unreadable_kernel32_stands_in(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_string_set_absent(&fx->facts.os.current_version, CV "CurrentVersion");
    kb_fact_string_set_absent(&fx->facts.os.current_build_number, CV "CurrentBuildNumber");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_SAFE);
    expect_reason(v, "os.current_version", KB_REASON_NOTE);
    expect_reason(v, "os.current_build_number", KB_REASON_NOTE);
}

static void test_kb_verdict_decide_service_pack_unreadable_is_unknown(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_string_set(&fx->facts.os.csd_version, "Servicepaket zwei", CV "CSDVersion");
    fx->facts.os.kernel32.version_state = KB_FACT_ABSENT;
    fx->facts.os.ntdll.state = KB_FACT_ABSENT;
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    expect_reason(v, "os.csd_version", KB_REASON_DECISIVE);
}

static void test_kb_verdict_decide_csd_unparseable_core_files_stand_in(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_string_set_error(&fx->facts.os.csd_version, CV "CSDVersion", "corrupt value");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_SAFE);
    expect_reason(v, "os.csd_version", KB_REASON_NOTE);
}

static void test_kb_verdict_decide_iisutil_missing_is_unknown(void **state)
{
    fixture *fx = *state;
    const kb_verdict_reason *r;
    kb_verdict *v;

    kb_pe_fact_init(&fx->facts.iis.native.iisutil, 1, INETSRV "iisutil.dll");
    fx->facts.iis.native.iisutil.state = KB_FACT_ABSENT;
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    r = expect_reason(v, "iis.system32.iisutil", KB_REASON_DECISIVE);
    assert_string_equal(r->value, "absent");
    assert_non_null(strstr(r->where, "iisutil.dll"));
    assert_non_null(strstr(v->remedy, "iisutil.dll"));
}

static void test_kb_verdict_decide_iisutil_without_version_resource_is_unknown(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    fx->facts.iis.native.iisutil.version_state = KB_FACT_ABSENT;
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    assert_string_equal(expect_reason(v, "iis.system32.iisutil", KB_REASON_DECISIVE)->value,
                        "no version resource");
}

static void test_kb_verdict_decide_iisutil_unparseable_is_unknown(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    fx->facts.iis.native.iisutil.state = KB_FACT_ERROR;
    snprintf(fx->facts.iis.native.iisutil.reason, sizeof(fx->facts.iis.native.iisutil.reason),
             "section table out of bounds at offset 0x178");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    assert_non_null(strstr(expect_reason(v, "iis.system32.iisutil", KB_REASON_DECISIVE)->value,
                           "section table out of bounds"));
    assert_non_null(strstr(v->summary, "iisutil.dll"));
}

static void test_kb_verdict_decide_iisutil_unexpected_version_is_unknown(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_pe(&fx->facts.iis.native.iisutil, INETSRV "iisutil.dll", 7, 0, 6000, 16386,
           "vista_rtm.061101-2205");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    expect_reason(v, "iis.system32.iisutil", KB_REASON_DECISIVE);
}

static void test_kb_verdict_decide_import_check_failed_is_unknown(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    fx->facts.iis.native.imports.state = KB_FACT_ERROR;
    snprintf(fx->facts.iis.native.imports.reason, sizeof(fx->facts.iis.native.imports.reason),
             "export directory out of bounds");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    assert_non_null(strstr(expect_reason(v, "iis.system32.imports", KB_REASON_DECISIVE)->value,
                           "export directory"));
}

static void test_kb_verdict_decide_w3core_missing_is_unknown(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_pe_fact_init(&fx->facts.iis.native.w3core, 1, INETSRV "w3core.dll");
    fx->facts.iis.native.w3core.state = KB_FACT_ABSENT;
    fx->facts.iis.native.imports.state = KB_FACT_ABSENT;
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    assert_string_equal(expect_reason(v, "iis.system32.imports", KB_REASON_DECISIVE)->value,
                        "w3core.dll absent");
}

/* ---------------------------------------------------------------------------------------
 * Row: not NT 5.2/3790, or IIS 6 not installed -> not-applicable
 * ------------------------------------------------------------------------------------- */

static void test_kb_verdict_decide_windows_xp_is_not_applicable(void **state)
{
    fixture *fx = *state;
    const kb_verdict_reason *r;
    kb_verdict *v;

    kb_fact_string_set(&fx->facts.os.current_version, "5.1", CV "CurrentVersion");
    kb_fact_string_set(&fx->facts.os.current_build_number, "2600", CV "CurrentBuildNumber");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_NOT_APPLICABLE);
    r = expect_reason(v, "os.current_version", KB_REASON_DECISIVE);
    assert_string_equal(r->value, "5.1");
    assert_string_equal(r->where, CV "CurrentVersion");
    assert_string_equal(v->remedy, "");
}

static void test_kb_verdict_decide_other_build_is_not_applicable(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_string_set(&fx->facts.os.current_build_number, "3791", CV "CurrentBuildNumber");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_NOT_APPLICABLE);
    assert_string_equal(expect_reason(v, "os.current_build_number", KB_REASON_DECISIVE)->value,
                        "3791");
}

static void test_kb_verdict_decide_version_absent_kernel32_xp_is_not_applicable(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_string_set_absent(&fx->facts.os.current_version, CV "CurrentVersion");
    set_pe(&fx->facts.os.kernel32, "\\WINDOWS\\system32\\kernel32.dll", 5, 1, 2600, 5512,
           "xpsp.080413-2111");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_NOT_APPLICABLE);
    expect_reason(v, "os.kernel32", KB_REASON_DECISIVE);
}

static void test_kb_verdict_decide_xp_x64_is_judged_like_2003(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_string_set(&fx->facts.os.product_name, "Microsoft Windows XP", CV "ProductName");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_SAFE);
    expect_reason(v, "os.product_name", KB_REASON_NOTE);
}

static void test_kb_verdict_decide_no_iis_is_not_applicable(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_dword_set_absent(&fx->facts.iis.major_version,
                             "SOFTWARE\\Microsoft\\InetStp\\MajorVersion");
    kb_pe_fact_init(&fx->facts.iis.native.iisutil, 1, INETSRV "iisutil.dll");
    fx->facts.iis.native.iisutil.state = KB_FACT_ABSENT;
    kb_pe_fact_init(&fx->facts.iis.native.w3core, 1, INETSRV "w3core.dll");
    fx->facts.iis.native.w3core.state = KB_FACT_ABSENT;
    fx->facts.iis.native.state = KB_FACT_ABSENT;
    v = decide(fx);
    expect_kind(v, KB_VERDICT_NOT_APPLICABLE);
    assert_string_equal(expect_reason(v, "iis.inetstp.major_version", KB_REASON_DECISIVE)->value,
                        "absent");
    assert_non_null(strstr(v->summary, "IIS 6 is not installed"));
}

static void test_kb_verdict_decide_inetstp_other_major_no_binaries_not_applicable(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_dword_set(&fx->facts.iis.major_version, 5,
                      "SOFTWARE\\Microsoft\\InetStp\\MajorVersion");
    fx->facts.iis.native.iisutil.state = KB_FACT_ABSENT;
    fx->facts.iis.native.w3core.state = KB_FACT_ABSENT;
    v = decide(fx);
    expect_kind(v, KB_VERDICT_NOT_APPLICABLE);
    assert_string_equal(expect_reason(v, "iis.inetstp.major_version", KB_REASON_DECISIVE)->value,
                        "5");
}

static void test_kb_verdict_decide_binaries_without_inetstp_count_as_installed(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_dword_set_absent(&fx->facts.iis.major_version,
                             "SOFTWARE\\Microsoft\\InetStp\\MajorVersion");
    set_iisutil(&fx->facts, 1830);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
    assert_true(v->flags & KB_VERDICT_FLAG_IIS_REGISTRATION);
    expect_reason(v, "iis.inetstp.major_version", KB_REASON_NOTE);
}

static void test_kb_verdict_decide_inetstp_without_binaries_is_unknown(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    fx->facts.iis.native.iisutil.state = KB_FACT_ABSENT;
    fx->facts.iis.native.w3core.state = KB_FACT_ABSENT;
    fx->facts.iis.native.imports.state = KB_FACT_ABSENT;
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    assert_true(v->flags & KB_VERDICT_FLAG_IIS_REGISTRATION);
    expect_reason(v, "iis.system32.iisutil", KB_REASON_DECISIVE);
}

/* ---------------------------------------------------------------------------------------
 * Row: OS below SP2 -> not-applicable, advise SP2
 * ------------------------------------------------------------------------------------- */

static void test_kb_verdict_decide_rtm_os_is_not_applicable_with_sp2_remedy(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_string_set_absent(&fx->facts.os.csd_version, CV "CSDVersion");
    set_pe(&fx->facts.os.kernel32, "\\WINDOWS\\system32\\kernel32.dll", 5, 2, 3790, 0,
           "srv03_rtm.030324-2048");
    set_pe(&fx->facts.os.ntdll, "\\WINDOWS\\system32\\ntdll.dll", 5, 2, 3790, 0,
           "srv03_rtm.030324-2048");
    set_iisutil(&fx->facts, 0);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_NOT_APPLICABLE);
    assert_string_equal(expect_reason(v, "os.service_pack", KB_REASON_DECISIVE)->value, "RTM");
    assert_non_null(strstr(v->remedy, "SP2"));
    assert_non_null(strstr(v->remedy, "KB973917 requires SP2"));
}

static void test_kb_verdict_decide_sp1_os_is_not_applicable_with_sp2_remedy(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_string_set(&fx->facts.os.csd_version, "Service Pack 1", CV "CSDVersion");
    set_pe(&fx->facts.os.kernel32, "\\WINDOWS\\system32\\kernel32.dll", 5, 2, 3790, 1830,
           "srv03_sp1_rtm.050324-1447");
    set_pe(&fx->facts.os.ntdll, "\\WINDOWS\\system32\\ntdll.dll", 5, 2, 3790, 1830,
           "srv03_sp1_rtm.050324-1447");
    set_iisutil(&fx->facts, 0);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_NOT_APPLICABLE);
    assert_string_equal(expect_reason(v, "os.service_pack", KB_REASON_DECISIVE)->value, "SP1");
    assert_non_null(strstr(v->remedy, "SP2"));
}

/* ---------------------------------------------------------------------------------------
 * Row: IIS 6 on SP2, iisutil.dll >= 3959 and imports resolve -> safe
 * ------------------------------------------------------------------------------------- */

static void test_kb_verdict_decide_sp2_iisutil_3959_is_safe(void **state)
{
    fixture *fx = *state;
    const kb_verdict_reason *r;
    kb_verdict *v;

    v = decide(fx);
    expect_kind(v, KB_VERDICT_SAFE);
    r = expect_reason(v, "iis.system32.iisutil", KB_REASON_DECISIVE);
    assert_non_null(strstr(r->value, "6.0.3790.3959"));
    assert_non_null(strstr(r->value, "srv03_sp2_rtm"));
    assert_string_equal(r->where, "partition 1: " INETSRV "iisutil.dll");
    expect_reason(v, "iis.system32.imports", KB_REASON_DECISIVE);
    assert_string_equal(v->remedy, "");
    assert_int_equal(v->flags, 0);
    assert_true(v->evidence_count > 0);
}

static void test_kb_verdict_decide_sp2_hotfix_iisutil_4xxx_is_safe(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_iisutil(&fx->facts, 4400);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_SAFE);
}

static void test_kb_verdict_decide_safe_with_kb973917_v2_installed(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    add_update(&fx->facts, "KB973917-v2", KB_UPDATE_SEEN_UPDATES | KB_UPDATE_SEEN_HOTFIX);
    set_pe(&fx->facts.iis.native.w3core, INETSRV "w3core.dll", 6, 0, 3790, 4693,
           "srv03_sp2_qfe.100414-1800");
    fx->facts.iis.native.imports.imported = 219;
    v = decide(fx);
    expect_kind(v, KB_VERDICT_SAFE);
    assert_false(v->flags & KB_VERDICT_FLAG_UPDATE_PENDING);
}

/* ---------------------------------------------------------------------------------------
 * Row: mismatch, KB973917 not installed -> at-risk
 * ------------------------------------------------------------------------------------- */

static void test_kb_verdict_decide_iisutil_3958_is_at_risk(void **state)
{
    fixture *fx = *state;
    const kb_verdict_reason *r;
    kb_verdict *v;

    set_iisutil(&fx->facts, 3958);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
    r = expect_reason(v, "iis.system32.iisutil", KB_REASON_DECISIVE);
    assert_non_null(strstr(r->value, "6.0.3790.3958"));
    assert_non_null(strstr(r->text, "3958 < 3959"));
    assert_non_null(strstr(r->text, "wider rule")); /* the seed's "below 3000" misses it */
    assert_non_null(strstr(v->remedy, "Re-apply Windows Server 2003 SP2"));
    assert_non_null(strstr(v->remedy, "KB973917-v2"));
    expect_reason(v, "updates", KB_REASON_SUPPORTING);
}

static void test_kb_verdict_decide_iisutil_sp1_1830_is_at_risk(void **state)
{
    fixture *fx = *state;
    const kb_verdict_reason *r;
    kb_verdict *v;

    set_iisutil(&fx->facts, 1830);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
    r = expect_reason(v, "iis.system32.iisutil", KB_REASON_DECISIVE);
    assert_non_null(strstr(r->value, "SP1"));
    assert_null(strstr(r->text, "wider rule"));
    assert_false(v->flags & KB_VERDICT_FLAG_RTM_IIS);
}

static void test_kb_verdict_decide_iisutil_rtm_0_is_at_risk_with_kb920720_note(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_iisutil(&fx->facts, 0);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
    assert_true(v->flags & KB_VERDICT_FLAG_RTM_IIS);
    assert_true(any_reason_mentions(v, "KB920720"));
    assert_non_null(strstr(expect_reason(v, "iis.system32.iisutil", KB_REASON_DECISIVE)->value,
                           "RTM"));
}

static void test_kb_verdict_decide_unrelated_updates_stay_at_risk(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_iisutil(&fx->facts, 1830);
    add_update(&fx->facts, "KB9739170", KB_UPDATE_SEEN_HOTFIX);
    add_update(&fx->facts, "KB958644", KB_UPDATE_SEEN_HOTFIX | KB_UPDATE_SEEN_UPDATES);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
}

static void test_kb_verdict_decide_mismatch_update_list_unreadable_stays_at_risk(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_iisutil(&fx->facts, 1830);
    fx->facts.updates_state = KB_FACT_ERROR;
    snprintf(fx->facts.updates_reason, sizeof(fx->facts.updates_reason), "hive key corrupt");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
    assert_non_null(strstr(expect_reason(v, "updates", KB_REASON_NOTE)->text, "already broken"));
}

static void test_kb_verdict_decide_risky_source_path_noted_on_mismatch(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_iisutil(&fx->facts, 1830);
    kb_fact_string_set_absent(&fx->facts.iis.service_pack_source_path,
                              "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\"
                              "ServicePackSourcePath");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
    expect_reason(v, "iis.source_path", KB_REASON_NOTE);
}

/* ---------------------------------------------------------------------------------------
 * Row: mismatch and KB973917 (any version) or a dependent update, or unresolved imports
 * -> broken
 * ------------------------------------------------------------------------------------- */

static void test_kb_verdict_decide_mismatch_with_kb973917_is_broken(void **state)
{
    fixture *fx = *state;
    const kb_verdict_reason *r;
    kb_verdict *v;

    set_iisutil(&fx->facts, 1830);
    add_update(&fx->facts, "KB973917", KB_UPDATE_SEEN_UPDATES | KB_UPDATE_SEEN_HOTFIX);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_BROKEN);
    r = expect_reason(v, "updates.KB973917", KB_REASON_DECISIVE);
    assert_non_null(strstr(r->text, "original build"));
    assert_non_null(strstr(r->where, "Updates\\Windows Server 2003\\SP3\\KB973917"));
    expect_reason(v, "iis.system32.iisutil", KB_REASON_DECISIVE);
    assert_non_null(strstr(v->remedy, "Re-apply Windows Server 2003 SP2 (no uninstall needed)"));
    assert_false(v->flags & KB_VERDICT_FLAG_V2_ON_MISMATCH);
}

static void test_kb_verdict_decide_mismatch_with_kb973917_v2_is_broken_and_odd(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_iisutil(&fx->facts, 1830);
    add_update(&fx->facts, "KB973917-v2", KB_UPDATE_SEEN_HOTFIX);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_BROKEN);
    expect_reason(v, "updates.KB973917-v2", KB_REASON_DECISIVE);
    assert_non_null(strstr(expect_reason(v, "updates.KB973917-v2", KB_REASON_NOTE)->text,
                           "refuses to install"));
    assert_true(v->flags & KB_VERDICT_FLAG_V2_ON_MISMATCH);
}

static void test_kb_verdict_decide_mismatch_with_kb982666_is_broken(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_iisutil(&fx->facts, 3958);
    add_update(&fx->facts, "KB982666", KB_UPDATE_SEEN_HOTFIX);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_BROKEN);
    assert_non_null(
        strstr(expect_reason(v, "updates.KB982666", KB_REASON_DECISIVE)->text, "KB973917"));
}

static void test_kb_verdict_decide_update_seen_only_in_ntuninstall_is_broken(void **state)
{
    fixture *fx = *state;
    kb_update_fact u;
    kb_verdict *v;

    set_iisutil(&fx->facts, 0);
    memset(&u, 0, sizeof(u));
    snprintf(u.id, sizeof(u.id), "KB973917");
    u.seen = KB_UPDATE_SEEN_NTUNINSTALL;
    snprintf(u.where[KB_UPDATE_WHERE_NTUNINSTALL], sizeof(u.where[0]),
             "\\WINDOWS\\$NtUninstallKB973917$");
    assert_int_equal(kb_facts_add_update(&fx->facts, &u, NULL), KB_OK);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_BROKEN);
    assert_string_equal(expect_reason(v, "updates.KB973917", KB_REASON_DECISIVE)->where,
                        "\\WINDOWS\\$NtUninstallKB973917$");
}

static void test_kb_verdict_decide_unresolved_imports_is_broken(void **state)
{
    fixture *fx = *state;
    const kb_verdict_reason *r;
    kb_verdict *v;

    fx->facts.iis.native.imports.imported = 219;
    kb_import_fact_add_unresolved(&fx->facts.iis.native.imports, "?Copy@MULTISZ@@QAEHPBGK@Z");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_BROKEN);
    r = expect_reason(v, "iis.system32.imports", KB_REASON_DECISIVE);
    assert_string_equal(r->value, "1 of 219 unresolved");
    assert_non_null(strstr(r->text, "?Copy@MULTISZ@@QAEHPBGK@Z"));
    assert_non_null(strstr(v->summary, "?Copy@MULTISZ@@QAEHPBGK@Z"));
    assert_non_null(strstr(v->remedy, "Re-apply"));
}

static void test_kb_verdict_decide_unresolved_imports_win_over_unreadable_version(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    fx->facts.iis.native.iisutil.version_state = KB_FACT_ERROR;
    kb_import_fact_add_unresolved(&fx->facts.iis.native.imports, "?Copy@MULTISZ@@QAEHPBGK@Z");
    kb_import_fact_add_unresolved(&fx->facts.iis.native.imports, "#77");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_BROKEN);
    assert_non_null(strstr(expect_reason(v, "iis.system32.imports", KB_REASON_DECISIVE)->text,
                           "#77"));
}

static void test_kb_verdict_decide_many_unresolved_imports_are_counted(void **state)
{
    fixture *fx = *state;
    char name[64];
    kb_verdict *v;

    for (int i = 0; i < KB_MAX_REPORTED_UNRESOLVED + 10; i++) {
        snprintf(name, sizeof(name), "?Function%d@IISUTIL@@QAEHXZ", i);
        kb_import_fact_add_unresolved(&fx->facts.iis.native.imports, name);
    }
    v = decide(fx);
    expect_kind(v, KB_VERDICT_BROKEN);
    assert_non_null(strstr(expect_reason(v, "iis.system32.imports", KB_REASON_DECISIVE)->value,
                           "42 of"));
}

/* ---------------------------------------------------------------------------------------
 * Refinements
 * ------------------------------------------------------------------------------------- */

static void test_kb_verdict_decide_csd_sp2_kernel32_sp1_safe_becomes_unknown(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_pe(&fx->facts.os.kernel32, "\\WINDOWS\\system32\\kernel32.dll", 5, 2, 3790, 1830,
           "srv03_sp1_rtm.050324-1447");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    assert_true(v->flags & KB_VERDICT_FLAG_CSD_MISMATCH);
    assert_true(v->flags & KB_VERDICT_FLAG_OS_LEVEL_DOUBTFUL);
    expect_reason(v, "os.csd_version", KB_REASON_NOTE);
    assert_string_equal(expect_reason(v, "os.service_pack", KB_REASON_DECISIVE)->value,
                        "doubtful");
}

static void test_kb_verdict_decide_csd_sp2_kernel32_sp1_mismatch_stays_at_risk(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_pe(&fx->facts.os.kernel32, "\\WINDOWS\\system32\\kernel32.dll", 5, 2, 3790, 1830,
           "srv03_sp1_rtm.050324-1447");
    set_iisutil(&fx->facts, 1830);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
    assert_true(v->flags & KB_VERDICT_FLAG_OS_LEVEL_DOUBTFUL);
}

static void test_kb_verdict_decide_csd_sp1_core_files_sp2_is_doubtful(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_string_set(&fx->facts.os.csd_version, "Service Pack 1", CV "CSDVersion");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_UNKNOWN);
    assert_true(v->flags & KB_VERDICT_FLAG_OS_LEVEL_DOUBTFUL);
}

static void test_kb_verdict_decide_mixed_levels_are_flagged(void **state)
{
    fixture *fx = *state;
    kb_pe_fact pe;
    kb_verdict *v;

    assert_int_equal(kb_iis_dir_add_file(&fx->facts.iis.native, &fx->facts.iis.native.iisutil,
                                         NULL),
                     KB_OK);
    set_pe(&pe, INETSRV "w3dt.dll", 6, 0, 3790, 1830, "srv03_sp1_rtm.050324-1447");
    assert_int_equal(kb_iis_dir_add_file(&fx->facts.iis.native, &pe, NULL), KB_OK);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_SAFE);
    assert_true(v->flags & KB_VERDICT_FLAG_MIXED_LEVELS);
    assert_non_null(strstr(expect_reason(v, "iis.system32.files", KB_REASON_NOTE)->value,
                           "w3dt.dll"));
}

static void test_kb_verdict_decide_kb973917_with_old_w3core_is_flagged_pending(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    add_update(&fx->facts, "KB973917", KB_UPDATE_SEEN_HOTFIX);
    v = decide(fx); /* w3core.dll is still 3959 */
    expect_kind(v, KB_VERDICT_SAFE);
    assert_true(v->flags & KB_VERDICT_FLAG_UPDATE_PENDING);
    assert_non_null(
        strstr(expect_reason(v, "iis.system32.w3core", KB_REASON_NOTE)->text, "not newer"));
}

static void test_kb_verdict_decide_w3svc_disabled_is_noted(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    kb_fact_dword_set(&fx->facts.iis.w3svc_start, 4,
                      "SYSTEM\\ControlSet001\\Services\\W3SVC\\Start");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_SAFE);
    assert_true(v->flags & KB_VERDICT_FLAG_W3SVC_DISABLED);
    expect_reason(v, "iis.w3svc_start", KB_REASON_NOTE);
}

static void test_kb_verdict_decide_system_hive_unreadable_is_noted(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    fx->facts.system_hive.state = KB_FACT_ERROR;
    v = decide(fx);
    expect_kind(v, KB_VERDICT_SAFE);
    expect_reason(v, "hive.system", KB_REASON_NOTE);
}

static void make_x64(kb_install_facts *f, uint16_t native_rev, uint16_t wow64_rev)
{
    kb_fact_string_set(&f->os.product_name, "Microsoft Windows Server 2003", CV "ProductName");
    set_iisutil(f, native_rev);
    snprintf(f->iis.native.iisutil.machine, sizeof(f->iis.native.iisutil.machine), "amd64");
    f->iis.wow64.state = KB_FACT_PRESENT;
    f->iis.wow64.partition_index = 1;
    snprintf(f->iis.wow64.path, sizeof(f->iis.wow64.path), "\\WINDOWS\\SysWOW64\\inetsrv");
    set_pe(&f->iis.wow64.iisutil, WOW64 "iisutil.dll", 6, 0, 3790, wow64_rev,
           wow64_rev >= 3959 ? "srv03_sp2_rtm.070216-1710" : "srv03_sp1_rtm.050324-1447");
    set_pe(&f->iis.wow64.w3core, WOW64 "w3core.dll", 6, 0, 3790, 3959,
           "srv03_sp2_rtm.070216-1710");
    set_imports_ok(&f->iis.wow64);
}

static void test_kb_verdict_decide_x64_both_sp2_is_safe(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    make_x64(&fx->facts, 3959, 3959);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_SAFE);
    expect_reason(v, "iis.system32.iisutil", KB_REASON_DECISIVE);
    expect_reason(v, "iis.syswow64.iisutil", KB_REASON_DECISIVE);
}

static void test_kb_verdict_decide_x64_wow64_mismatch_wins(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    make_x64(&fx->facts, 3959, 1830);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
    assert_true(v->flags & KB_VERDICT_FLAG_WOW64_DECIDES);
    assert_non_null(strstr(v->summary, "SysWOW64"));
    assert_non_null(
        strstr(expect_reason(v, "iis.syswow64.iisutil", KB_REASON_DECISIVE)->where, "SysWOW64"));
}

static void test_kb_verdict_decide_x64_wow64_broken_by_update(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    make_x64(&fx->facts, 3959, 1830);
    add_update(&fx->facts, "KB973917", KB_UPDATE_SEEN_HOTFIX);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_BROKEN);
    assert_true(v->flags & KB_VERDICT_FLAG_WOW64_DECIDES);
}

static void test_kb_verdict_decide_x64_native_worse_keeps_native(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    make_x64(&fx->facts, 1830, 3959);
    kb_import_fact_add_unresolved(&fx->facts.iis.native.imports, "?Copy@MULTISZ@@QAEHPBGK@Z");
    v = decide(fx);
    expect_kind(v, KB_VERDICT_BROKEN);
    assert_false(v->flags & KB_VERDICT_FLAG_WOW64_DECIDES);
    assert_non_null(strstr(v->summary, "system32"));
}

static void set_candidate(kb_install_facts *f, uint32_t unresolved)
{
    set_pe(&f->candidate, "/srv/updates/w3core.dll", 6, 0, 3790, 4693,
           "srv03_sp2_qfe.100414-1800");
    f->candidate.from_host = true;
    memset(&f->iis.native.candidate_imports, 0, sizeof(f->iis.native.candidate_imports));
    f->iis.native.candidate_imports.state = KB_FACT_PRESENT;
    f->iis.native.candidate_imports.imported = 219;
    for (uint32_t i = 0; i < unresolved; i++)
        kb_import_fact_add_unresolved(&f->iis.native.candidate_imports,
                                      "?Copy@MULTISZ@@QAEHPBGK@Z");
}

static void test_kb_verdict_decide_candidate_that_resolves_keeps_safe(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_candidate(&fx->facts, 0);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_SAFE);
    expect_reason(v, "iis.system32.candidate_imports", KB_REASON_SUPPORTING);
}

static void test_kb_verdict_decide_candidate_that_breaks_is_at_risk(void **state)
{
    fixture *fx = *state;
    const kb_verdict_reason *r;
    kb_verdict *v;

    set_candidate(&fx->facts, 1);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
    assert_true(v->flags & KB_VERDICT_FLAG_CANDIDATE_BREAKS);
    r = expect_reason(v, "iis.system32.candidate_imports", KB_REASON_DECISIVE);
    assert_non_null(strstr(r->text, "would break IIS"));
    assert_string_equal(r->where, "host: /srv/updates/w3core.dll");
    assert_non_null(strstr(v->summary, "candidate"));
}

static void test_kb_verdict_decide_candidate_on_mismatch_adds_to_remedy(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_iisutil(&fx->facts, 1830);
    set_candidate(&fx->facts, 1);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
    assert_non_null(strstr(v->remedy, "candidate"));
}

static void test_kb_verdict_decide_candidate_does_not_soften_broken(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    set_iisutil(&fx->facts, 1830);
    add_update(&fx->facts, "KB973917", KB_UPDATE_SEEN_HOTFIX);
    set_candidate(&fx->facts, 1);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_BROKEN);
}

static void test_kb_verdict_decide_candidate_raises_unknown_to_at_risk(void **state)
{
    fixture *fx = *state;
    kb_verdict *v;

    fx->facts.iis.native.iisutil.version_state = KB_FACT_ABSENT;
    set_candidate(&fx->facts, 2);
    v = decide(fx);
    expect_kind(v, KB_VERDICT_AT_RISK);
}

static void test_kb_verdict_decide_is_deterministic(void **state)
{
    fixture *fx = *state;
    kb_verdict *again = malloc(sizeof(*again));

    assert_non_null(again);
    set_iisutil(&fx->facts, 1830);
    add_update(&fx->facts, "KB973917", KB_UPDATE_SEEN_HOTFIX);
    decide(fx);
    assert_int_equal(kb_verdict_decide(&fx->facts, again), KB_OK);
    assert_memory_equal(&fx->verdict, again, sizeof(*again));
    free(again);
}

static void test_kb_verdict_decide_rejects_null(void **state)
{
    fixture *fx = *state;

    assert_int_equal(kb_verdict_decide(NULL, &fx->verdict), KB_ERR_ARGUMENT);
    assert_int_equal(kb_verdict_decide(&fx->facts, NULL), KB_ERR_ARGUMENT);
}

/* ---------------------------------------------------------------------------------------
 * Combination, names, exit status
 * ------------------------------------------------------------------------------------- */

static void test_kb_verdict_worst_orders_by_severity(void **state)
{
    (void)state;
    assert_int_equal(kb_verdict_worst(KB_VERDICT_BROKEN, KB_VERDICT_AT_RISK), KB_VERDICT_BROKEN);
    assert_int_equal(kb_verdict_worst(KB_VERDICT_UNKNOWN, KB_VERDICT_AT_RISK),
                     KB_VERDICT_AT_RISK);
    assert_int_equal(kb_verdict_worst(KB_VERDICT_SAFE, KB_VERDICT_UNKNOWN), KB_VERDICT_UNKNOWN);
    assert_int_equal(kb_verdict_worst(KB_VERDICT_NOT_APPLICABLE, KB_VERDICT_SAFE),
                     KB_VERDICT_SAFE);
    assert_int_equal(kb_verdict_worst(KB_VERDICT_NOT_APPLICABLE, KB_VERDICT_NOT_APPLICABLE),
                     KB_VERDICT_NOT_APPLICABLE);
}

static void test_kb_verdict_kind_names_are_stable(void **state)
{
    kb_verdict_kind k;

    (void)state;
    assert_string_equal(kb_verdict_kind_name(KB_VERDICT_NOT_APPLICABLE), "not-applicable");
    assert_string_equal(kb_verdict_kind_name(KB_VERDICT_SAFE), "safe");
    assert_string_equal(kb_verdict_kind_name(KB_VERDICT_AT_RISK), "at-risk");
    assert_string_equal(kb_verdict_kind_name(KB_VERDICT_BROKEN), "broken");
    assert_string_equal(kb_verdict_kind_name(KB_VERDICT_UNKNOWN), "unknown");
    assert_string_equal(kb_verdict_kind_name((kb_verdict_kind)99), "unknown");
    assert_true(kb_verdict_kind_parse("at-risk", &k));
    assert_int_equal(k, KB_VERDICT_AT_RISK);
    assert_false(kb_verdict_kind_parse("at_risk", &k));
    assert_string_equal(kb_reason_role_name(KB_REASON_DECISIVE), "decisive");
    assert_string_equal(kb_verdict_flag_name(KB_VERDICT_FLAG_MIXED_LEVELS), "mixed-levels");
    assert_string_equal(kb_verdict_flag_name(KB_VERDICT_FLAG_TRUNCATED), "truncated");
    assert_null(kb_verdict_flag_name(3));
    for (unsigned i = 0; i < KB_VERDICT_FLAG_COUNT; i++)
        assert_non_null(kb_verdict_flag_name(1u << i));
}

static void test_kb_verdict_no_windows_is_not_applicable(void **state)
{
    fixture *fx = *state;

    kb_verdict_no_windows(&fx->verdict);
    expect_kind(&fx->verdict, KB_VERDICT_NOT_APPLICABLE);
    expect_reason(&fx->verdict, "image.windows", KB_REASON_DECISIVE);
}

static void test_kb_verdict_exit_status_ors_bits(void **state)
{
    kb_image_outcome o[4] = {
        {false, KB_VERDICT_SAFE},
        {false, KB_VERDICT_NOT_APPLICABLE},
        {false, KB_VERDICT_SAFE},
        {false, KB_VERDICT_SAFE},
    };

    (void)state;
    assert_int_equal(kb_verdict_exit_status(o, 4), 0);
    assert_int_equal(kb_verdict_exit_status(NULL, 0), 0);
    o[0].kind = KB_VERDICT_AT_RISK;
    assert_int_equal(kb_verdict_exit_status(o, 4), KB_EXIT_AT_RISK);
    o[1].kind = KB_VERDICT_BROKEN;
    assert_int_equal(kb_verdict_exit_status(o, 4), KB_EXIT_AT_RISK | KB_EXIT_BROKEN);
    o[2].kind = KB_VERDICT_UNKNOWN;
    assert_int_equal(kb_verdict_exit_status(o, 4), 7);
    o[3].open_failed = true;
    o[3].kind = KB_VERDICT_SAFE;
    assert_int_equal(kb_verdict_exit_status(o, 4), 15);
    assert_int_equal(KB_EXIT_USAGE, 16);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_kb_verdict_decide_software_hive_corrupt_is_unknown),
        T(test_kb_verdict_decide_software_hive_missing_is_unknown),
        T(test_kb_verdict_decide_version_and_kernel32_unreadable_is_unknown),
        T(test_kb_verdict_decide_version_unreadable_kernel32_stands_in),
        T(test_kb_verdict_decide_service_pack_unreadable_is_unknown),
        T(test_kb_verdict_decide_csd_unparseable_core_files_stand_in),
        T(test_kb_verdict_decide_iisutil_missing_is_unknown),
        T(test_kb_verdict_decide_iisutil_without_version_resource_is_unknown),
        T(test_kb_verdict_decide_iisutil_unparseable_is_unknown),
        T(test_kb_verdict_decide_iisutil_unexpected_version_is_unknown),
        T(test_kb_verdict_decide_import_check_failed_is_unknown),
        T(test_kb_verdict_decide_w3core_missing_is_unknown),
        T(test_kb_verdict_decide_windows_xp_is_not_applicable),
        T(test_kb_verdict_decide_other_build_is_not_applicable),
        T(test_kb_verdict_decide_version_absent_kernel32_xp_is_not_applicable),
        T(test_kb_verdict_decide_xp_x64_is_judged_like_2003),
        T(test_kb_verdict_decide_no_iis_is_not_applicable),
        T(test_kb_verdict_decide_inetstp_other_major_no_binaries_not_applicable),
        T(test_kb_verdict_decide_binaries_without_inetstp_count_as_installed),
        T(test_kb_verdict_decide_inetstp_without_binaries_is_unknown),
        T(test_kb_verdict_decide_rtm_os_is_not_applicable_with_sp2_remedy),
        T(test_kb_verdict_decide_sp1_os_is_not_applicable_with_sp2_remedy),
        T(test_kb_verdict_decide_sp2_iisutil_3959_is_safe),
        T(test_kb_verdict_decide_sp2_hotfix_iisutil_4xxx_is_safe),
        T(test_kb_verdict_decide_safe_with_kb973917_v2_installed),
        T(test_kb_verdict_decide_iisutil_3958_is_at_risk),
        T(test_kb_verdict_decide_iisutil_sp1_1830_is_at_risk),
        T(test_kb_verdict_decide_iisutil_rtm_0_is_at_risk_with_kb920720_note),
        T(test_kb_verdict_decide_unrelated_updates_stay_at_risk),
        T(test_kb_verdict_decide_mismatch_update_list_unreadable_stays_at_risk),
        T(test_kb_verdict_decide_risky_source_path_noted_on_mismatch),
        T(test_kb_verdict_decide_mismatch_with_kb973917_is_broken),
        T(test_kb_verdict_decide_mismatch_with_kb973917_v2_is_broken_and_odd),
        T(test_kb_verdict_decide_mismatch_with_kb982666_is_broken),
        T(test_kb_verdict_decide_update_seen_only_in_ntuninstall_is_broken),
        T(test_kb_verdict_decide_unresolved_imports_is_broken),
        T(test_kb_verdict_decide_unresolved_imports_win_over_unreadable_version),
        T(test_kb_verdict_decide_many_unresolved_imports_are_counted),
        T(test_kb_verdict_decide_csd_sp2_kernel32_sp1_safe_becomes_unknown),
        T(test_kb_verdict_decide_csd_sp2_kernel32_sp1_mismatch_stays_at_risk),
        T(test_kb_verdict_decide_csd_sp1_core_files_sp2_is_doubtful),
        T(test_kb_verdict_decide_mixed_levels_are_flagged),
        T(test_kb_verdict_decide_kb973917_with_old_w3core_is_flagged_pending),
        T(test_kb_verdict_decide_w3svc_disabled_is_noted),
        T(test_kb_verdict_decide_system_hive_unreadable_is_noted),
        T(test_kb_verdict_decide_x64_both_sp2_is_safe),
        T(test_kb_verdict_decide_x64_wow64_mismatch_wins),
        T(test_kb_verdict_decide_x64_wow64_broken_by_update),
        T(test_kb_verdict_decide_x64_native_worse_keeps_native),
        T(test_kb_verdict_decide_candidate_that_resolves_keeps_safe),
        T(test_kb_verdict_decide_candidate_that_breaks_is_at_risk),
        T(test_kb_verdict_decide_candidate_on_mismatch_adds_to_remedy),
        T(test_kb_verdict_decide_candidate_does_not_soften_broken),
        T(test_kb_verdict_decide_candidate_raises_unknown_to_at_risk),
        T(test_kb_verdict_decide_is_deterministic),
        T(test_kb_verdict_decide_rejects_null),
        T(test_kb_verdict_worst_orders_by_severity),
        T(test_kb_verdict_kind_names_are_stable),
        T(test_kb_verdict_no_windows_is_not_applicable),
        T(test_kb_verdict_exit_status_ors_bits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
