/* SPDX-License-Identifier: Apache-2.0 */
/* test_facts.c - the pure helpers of src/facts/facts.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "facts/facts.h"

static kb_file_version ver(uint16_t a, uint16_t b, uint16_t c, uint16_t d)
{
    kb_file_version v = {{a, b, c, d}};
    return v;
}

static void test_kb_file_version_compare_orders_part_by_part(void **state)
{
    kb_file_version a = ver(6, 0, 3790, 3958), b = ver(6, 0, 3790, 3959);
    kb_file_version c = ver(6, 0, 3791, 0), d = ver(5, 2, 3790, 65535);

    (void)state;
    assert_true(kb_file_version_compare(&a, &b) < 0);
    assert_true(kb_file_version_compare(&b, &a) > 0);
    assert_int_equal(kb_file_version_compare(&a, &a), 0);
    assert_true(kb_file_version_compare(&b, &c) < 0);
    assert_true(kb_file_version_compare(&d, &a) < 0);
}

static void test_kb_file_version_format_and_parse_round_trip(void **state)
{
    kb_file_version v = ver(6, 0, 3790, 4693), parsed;
    char text[32];

    (void)state;
    kb_file_version_format(&v, text, sizeof(text));
    assert_string_equal(text, "6.0.3790.4693");
    assert_int_equal(kb_file_version_parse(text, &parsed), KB_OK);
    assert_int_equal(kb_file_version_compare(&v, &parsed), 0);
    v = ver(65535, 65535, 65535, 65535);
    kb_file_version_format(&v, text, sizeof(text));
    assert_string_equal(text, "65535.65535.65535.65535");
}

static void test_kb_file_version_parse_rejects_malformed(void **state)
{
    kb_file_version v = ver(1, 2, 3, 4);

    (void)state;
    assert_int_equal(kb_file_version_parse("6.0.3790", &v), KB_ERR_CORRUPT);
    assert_int_equal(kb_file_version_parse("6.0.3790.3959.1", &v), KB_ERR_CORRUPT);
    assert_int_equal(kb_file_version_parse("6.0.3790.65536", &v), KB_ERR_CORRUPT);
    assert_int_equal(kb_file_version_parse("6..3790.1", &v), KB_ERR_CORRUPT);
    assert_int_equal(kb_file_version_parse("6.0.3790.3959 (srv03)", &v), KB_ERR_CORRUPT);
    assert_int_equal(kb_file_version_parse("", &v), KB_ERR_CORRUPT);
    assert_int_equal(kb_file_version_parse(NULL, &v), KB_ERR_ARGUMENT);
    /* untouched on failure */
    assert_int_equal(v.part[0], 1);
    assert_int_equal(v.part[3], 4);
}

static void test_kb_facts_os_sp_level_boundaries(void **state)
{
    kb_file_version v;

    (void)state;
    v = ver(5, 2, 3790, 0);
    assert_int_equal(kb_facts_os_sp_level(&v), KB_SP_RTM);
    v = ver(5, 2, 3790, 1829); /* an RTM hotfix */
    assert_int_equal(kb_facts_os_sp_level(&v), KB_SP_RTM);
    v = ver(5, 2, 3790, 1830); /* SP1, and x64 RTM */
    assert_int_equal(kb_facts_os_sp_level(&v), KB_SP_1);
    v = ver(5, 2, 3790, 3958);
    assert_int_equal(kb_facts_os_sp_level(&v), KB_SP_1);
    v = ver(5, 2, 3790, 3959);
    assert_int_equal(kb_facts_os_sp_level(&v), KB_SP_2);
    v = ver(5, 2, 3790, 4455);
    assert_int_equal(kb_facts_os_sp_level(&v), KB_SP_2);
    v = ver(5, 1, 2600, 5512); /* XP */
    assert_int_equal(kb_facts_os_sp_level(&v), KB_SP_UNKNOWN);
    v = ver(6, 0, 3790, 3959); /* an IIS file is not an OS file */
    assert_int_equal(kb_facts_os_sp_level(&v), KB_SP_UNKNOWN);
}

static void test_kb_facts_iis_sp_level_boundaries(void **state)
{
    kb_file_version v;

    (void)state;
    v = ver(6, 0, 3790, 0);
    assert_int_equal(kb_facts_iis_sp_level(&v), KB_SP_RTM);
    v = ver(6, 0, 3790, 1830);
    assert_int_equal(kb_facts_iis_sp_level(&v), KB_SP_1);
    v = ver(6, 0, 3790, 3000);
    assert_int_equal(kb_facts_iis_sp_level(&v), KB_SP_1);
    v = ver(6, 0, 3790, 3958);
    assert_int_equal(kb_facts_iis_sp_level(&v), KB_SP_1);
    v = ver(6, 0, 3790, 3959);
    assert_int_equal(kb_facts_iis_sp_level(&v), KB_SP_2);
    v = ver(6, 0, 3790, 4693);
    assert_int_equal(kb_facts_iis_sp_level(&v), KB_SP_2);
    v = ver(7, 0, 6000, 16386);
    assert_int_equal(kb_facts_iis_sp_level(&v), KB_SP_UNKNOWN);
    v = ver(5, 2, 3790, 3959);
    assert_int_equal(kb_facts_iis_sp_level(&v), KB_SP_UNKNOWN);
}

static void test_kb_facts_iis_seed_rule_mismatch_is_narrower(void **state)
{
    kb_file_version v;

    (void)state;
    v = ver(6, 0, 3790, 0);
    assert_true(kb_facts_iis_seed_rule_mismatch(&v));
    v = ver(6, 0, 3790, 2999);
    assert_true(kb_facts_iis_seed_rule_mismatch(&v));
    v = ver(6, 0, 3790, 3000); /* pre-SP2 by the wider rule only */
    assert_false(kb_facts_iis_seed_rule_mismatch(&v));
    v = ver(6, 0, 3790, 3959);
    assert_false(kb_facts_iis_seed_rule_mismatch(&v));
    v = ver(7, 0, 0, 0);
    assert_false(kb_facts_iis_seed_rule_mismatch(&v));
}

static void test_kb_facts_parse_csd_version_forms(void **state)
{
    (void)state;
    assert_int_equal(kb_facts_parse_csd_version("Service Pack 2"), 2);
    assert_int_equal(kb_facts_parse_csd_version("service pack 1"), 1);
    assert_int_equal(kb_facts_parse_csd_version("Service Pack 2, v.3959"), 2);
    assert_int_equal(kb_facts_parse_csd_version("  Service Pack 2"), 2);
    assert_int_equal(kb_facts_parse_csd_version(""), 0);
    assert_int_equal(kb_facts_parse_csd_version(NULL), 0);
    assert_int_equal(kb_facts_parse_csd_version("Service Pack"), KB_SP_UNKNOWN);
    assert_int_equal(kb_facts_parse_csd_version("SP2"), KB_SP_UNKNOWN);
    assert_int_equal(kb_facts_parse_csd_version("Service Pack 2a"), KB_SP_UNKNOWN);
    assert_int_equal(kb_facts_parse_csd_version("Service Pack 99999"), KB_SP_UNKNOWN);
}

static void test_kb_facts_csd_level_states(void **state)
{
    kb_fact_string csd;

    (void)state;
    memset(&csd, 0, sizeof(csd));
    assert_int_equal(kb_facts_csd_level(&csd), KB_SP_UNKNOWN); /* not read */
    kb_fact_string_set_absent(&csd, "SOFTWARE\\x\\CSDVersion");
    assert_int_equal(kb_facts_csd_level(&csd), KB_SP_RTM);
    kb_fact_string_set(&csd, "Service Pack 2", "SOFTWARE\\x\\CSDVersion");
    assert_int_equal(kb_facts_csd_level(&csd), KB_SP_2);
    assert_string_equal(csd.where, "SOFTWARE\\x\\CSDVersion");
    kb_fact_string_set_error(&csd, "SOFTWARE\\x\\CSDVersion", "value has type REG_DWORD");
    assert_int_equal(kb_facts_csd_level(&csd), KB_SP_UNKNOWN);
    assert_string_equal(csd.reason, "value has type REG_DWORD");
    assert_string_equal(csd.value, "");
}

static void test_kb_facts_build_lab_from_file_version(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(kb_facts_build_lab_from_file_version(
                         "6.0.3790.3959 (srv03_sp2_rtm.070216-1710)", out, sizeof(out)),
                     KB_OK);
    assert_string_equal(out, "srv03_sp2_rtm.070216-1710");
    assert_int_equal(kb_facts_build_lab_from_file_version("6.0.3790.3959", out, sizeof(out)),
                     KB_ERR_NOT_FOUND);
    assert_string_equal(out, "");
    assert_int_equal(kb_facts_build_lab_from_file_version("6.0 ()", out, sizeof(out)),
                     KB_ERR_NOT_FOUND);
    /* cut to fit */
    assert_int_equal(kb_facts_build_lab_from_file_version("x (srv03_sp2_rtm.070216-1710)", out,
                                                          8),
                     KB_OK);
    assert_string_equal(out, "srv03_s");
}

static void test_kb_facts_branch_from_build_lab_forms(void **state)
{
    char out[KB_FACT_BRANCH_BYTES];

    (void)state;
    assert_int_equal(kb_facts_branch_from_build_lab("srv03_sp2_gdr.091208-1712", out,
                                                    sizeof(out)),
                     KB_OK);
    assert_string_equal(out, "srv03_sp2_gdr");
    assert_int_equal(kb_facts_branch_from_build_lab("3790.srv03_sp2_rtm.070216-1710", out,
                                                    sizeof(out)),
                     KB_OK);
    assert_string_equal(out, "srv03_sp2_rtm");
    assert_int_equal(kb_facts_branch_from_build_lab("5.2.3790.1830 (srv03_sp1_rtm.050324-1447)",
                                                    out, sizeof(out)),
                     KB_OK);
    assert_string_equal(out, "srv03_sp1_rtm");
    assert_int_equal(kb_facts_branch_from_build_lab("6.0.3790.3959", out, sizeof(out)),
                     KB_ERR_NOT_FOUND);
    assert_int_equal(kb_facts_branch_from_build_lab("", out, sizeof(out)), KB_ERR_NOT_FOUND);
    assert_int_equal(kb_facts_branch_from_build_lab(NULL, out, sizeof(out)), KB_ERR_NOT_FOUND);
}

static kb_update_fact make_update(const char *id)
{
    kb_update_fact u;

    memset(&u, 0, sizeof(u));
    snprintf(u.id, sizeof(u.id), "%s", id);
    u.seen = KB_UPDATE_SEEN_HOTFIX;
    snprintf(u.where[KB_UPDATE_WHERE_HOTFIX], sizeof(u.where[0]),
             "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\HotFix\\%s", id);
    return u;
}

static void test_kb_update_id_in_family(void **state)
{
    (void)state;
    assert_true(kb_update_id_in_family("KB973917", "KB973917"));
    assert_true(kb_update_id_in_family("KB973917-v2", "KB973917"));
    assert_true(kb_update_id_in_family("kb973917-V3", "KB973917"));
    assert_false(kb_update_id_in_family("KB9739170", "KB973917"));
    assert_false(kb_update_id_in_family("KB97391", "KB973917"));
    assert_false(kb_update_id_in_family("KB982666", "KB973917"));
}

static void test_kb_facts_find_update_exact_versus_family(void **state)
{
    kb_install_facts f;
    kb_update_fact u;
    const kb_update_fact *found;
    size_t cursor = 0;

    (void)state;
    kb_install_facts_init(&f);
    u = make_update("KB9739170");
    assert_int_equal(kb_facts_add_update(&f, &u, NULL), KB_OK);
    u = make_update("KB973917-v2");
    assert_int_equal(kb_facts_add_update(&f, &u, NULL), KB_OK);
    u = make_update("KB982666");
    assert_int_equal(kb_facts_add_update(&f, &u, NULL), KB_OK);
    assert_int_equal(f.updates_state, KB_FACT_PRESENT);

    assert_null(kb_facts_find_update(&f, "KB973917"));
    found = kb_facts_find_update(&f, "kb973917-V2");
    assert_non_null(found);
    assert_string_equal(found->id, "KB973917-v2");

    found = kb_facts_find_update_family(&f, "KB973917", &cursor);
    assert_non_null(found);
    assert_string_equal(found->id, "KB973917-v2");
    assert_null(kb_facts_find_update_family(&f, "KB973917", &cursor));

    u = make_update("KB973917");
    assert_int_equal(kb_facts_add_update(&f, &u, NULL), KB_OK);
    found = kb_facts_find_update(&f, "KB973917");
    assert_non_null(found);
    assert_string_equal(found->id, "KB973917");
    cursor = 0;
    assert_non_null(kb_facts_find_update_family(&f, "KB973917", &cursor));
    assert_non_null(kb_facts_find_update_family(&f, "KB973917", &cursor));
    assert_null(kb_facts_find_update_family(&f, "KB973917", &cursor));
    kb_install_facts_free(&f);
    assert_null(f.updates);
    assert_int_equal(f.update_count, 0);
}

static void test_kb_import_fact_add_unresolved_caps_the_list_not_the_count(void **state)
{
    kb_import_fact imp;
    char name[32];

    (void)state;
    memset(&imp, 0, sizeof(imp));
    for (int i = 0; i < KB_MAX_REPORTED_UNRESOLVED + 5; i++) {
        snprintf(name, sizeof(name), "?Name%d@@", i);
        kb_import_fact_add_unresolved(&imp, name);
    }
    assert_int_equal(imp.unresolved, KB_MAX_REPORTED_UNRESOLVED + 5);
    assert_int_equal(imp.listed, KB_MAX_REPORTED_UNRESOLVED);
    assert_string_equal(imp.unresolved_names[0], "?Name0@@");
}

static void test_kb_facts_derive_fills_levels_and_branches(void **state)
{
    kb_install_facts f;
    kb_pe_fact pe;

    (void)state;
    kb_install_facts_init(&f);
    assert_int_equal(f.os.sp_level, KB_SP_UNKNOWN);
    kb_fact_string_set(&f.os.csd_version, "Service Pack 2", "SOFTWARE\\CSDVersion");
    kb_pe_fact_init(&f.iis.native.iisutil, 1, "\\WINDOWS\\system32\\inetsrv\\iisutil.dll");
    f.iis.native.iisutil.state = KB_FACT_PRESENT;
    f.iis.native.iisutil.version_state = KB_FACT_PRESENT;
    f.iis.native.iisutil.file_version = ver(6, 0, 3790, 1830);
    snprintf(f.iis.native.iisutil.file_version_string,
             sizeof(f.iis.native.iisutil.file_version_string),
             "6.0.3790.1830 (srv03_sp1_rtm.050324-1447)");
    kb_pe_fact_init(&pe, 1, "\\WINDOWS\\system32\\inetsrv\\w3dt.dll");
    pe.state = KB_FACT_PRESENT;
    pe.version_state = KB_FACT_PRESENT;
    pe.file_version = ver(6, 0, 3790, 3959);
    assert_int_equal(kb_iis_dir_add_file(&f.iis.native, &pe, NULL), KB_OK);
    kb_pe_fact_init(&f.os.kernel32, 1, "\\WINDOWS\\system32\\kernel32.dll");
    f.os.kernel32.state = KB_FACT_PRESENT;
    f.os.kernel32.version_state = KB_FACT_PRESENT;
    f.os.kernel32.file_version = ver(5, 2, 3790, 4062);

    kb_facts_derive(&f);
    assert_int_equal(f.os.sp_level, KB_SP_2);
    assert_int_equal(f.iis.native.iisutil.sp_level, KB_SP_1);
    assert_string_equal(f.iis.native.iisutil.build_lab, "srv03_sp1_rtm.050324-1447");
    assert_string_equal(f.iis.native.iisutil.branch, "srv03_sp1_rtm");
    assert_int_equal(f.iis.native.files[0].sp_level, KB_SP_2);
    assert_int_equal(f.os.kernel32.sp_level, KB_SP_2);
    assert_int_equal(f.iis.native.w3core.sp_level, KB_SP_UNKNOWN); /* not read */
    kb_install_facts_free(&f);
    assert_null(f.iis.native.files);
    kb_install_facts_free(NULL);
}

static void test_kb_fact_setters_copy_and_cut(void **state)
{
    kb_fact_dword d;
    kb_fact_string s;
    char long_value[KB_FACT_TEXT_BYTES * 2];

    (void)state;
    memset(long_value, 'a', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    kb_fact_string_set(&s, long_value, "SOFTWARE\\k\\v");
    assert_int_equal(s.state, KB_FACT_PRESENT);
    assert_int_equal(strlen(s.value), KB_FACT_TEXT_BYTES - 1);
    kb_fact_dword_set(&d, 6, "SOFTWARE\\Microsoft\\InetStp\\MajorVersion");
    assert_int_equal(d.state, KB_FACT_PRESENT);
    assert_int_equal(d.value, 6);
    kb_fact_dword_set_absent(&d, "SOFTWARE\\Microsoft\\InetStp\\MajorVersion");
    assert_int_equal(d.state, KB_FACT_ABSENT);
    assert_int_equal(d.value, 0);
    kb_fact_dword_set_error(&d, "w", "corrupt");
    assert_int_equal(d.state, KB_FACT_ERROR);
    assert_string_equal(d.reason, "corrupt");
}

static void test_kb_pe_fact_where_and_names(void **state)
{
    kb_pe_fact pe;
    char where[KB_MAX_PATH_BYTES + 32];

    (void)state;
    kb_pe_fact_init(&pe, 2, "\\WINDOWS\\system32\\inetsrv\\iisutil.dll");
    kb_pe_fact_where(&pe, where, sizeof(where));
    assert_string_equal(where, "partition 2: \\WINDOWS\\system32\\inetsrv\\iisutil.dll");
    pe.from_host = true;
    snprintf(pe.path, sizeof(pe.path), "/tmp/w3core.dll");
    kb_pe_fact_where(&pe, where, sizeof(where));
    assert_string_equal(where, "host: /tmp/w3core.dll");
    assert_string_equal(kb_fact_state_name(KB_FACT_NOT_READ), "not-read");
    assert_string_equal(kb_fact_state_name(KB_FACT_ERROR), "error");
    assert_string_equal(kb_sp_level_name(KB_SP_2), "SP2");
    assert_string_equal(kb_sp_level_name(KB_SP_RTM), "RTM");
    assert_string_equal(kb_sp_level_name(KB_SP_UNKNOWN), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kb_file_version_compare_orders_part_by_part),
        cmocka_unit_test(test_kb_file_version_format_and_parse_round_trip),
        cmocka_unit_test(test_kb_file_version_parse_rejects_malformed),
        cmocka_unit_test(test_kb_facts_os_sp_level_boundaries),
        cmocka_unit_test(test_kb_facts_iis_sp_level_boundaries),
        cmocka_unit_test(test_kb_facts_iis_seed_rule_mismatch_is_narrower),
        cmocka_unit_test(test_kb_facts_parse_csd_version_forms),
        cmocka_unit_test(test_kb_facts_csd_level_states),
        cmocka_unit_test(test_kb_facts_build_lab_from_file_version),
        cmocka_unit_test(test_kb_facts_branch_from_build_lab_forms),
        cmocka_unit_test(test_kb_update_id_in_family),
        cmocka_unit_test(test_kb_facts_find_update_exact_versus_family),
        cmocka_unit_test(test_kb_import_fact_add_unresolved_caps_the_list_not_the_count),
        cmocka_unit_test(test_kb_facts_derive_fills_levels_and_branches),
        cmocka_unit_test(test_kb_fact_setters_copy_and_cut),
        cmocka_unit_test(test_kb_pe_fact_where_and_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
