/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_report.c - the image result and its writers: JSON round trip through jansson, JSON
 * Lines as exactly one line, the text report starting with the verdict, and hostile names
 * from the image neutralised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "report/report.h"

#define CV "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\"
#define INETSRV "\\WINDOWS\\system32\\inetsrv\\"

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
    pe->size = 97280;
    pe->mft_entry = 31337;
    snprintf(pe->sha256, sizeof(pe->sha256), "%s",
             "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    snprintf(pe->file_version_string, sizeof(pe->file_version_string), "%u.%u.%u.%u (%s)", a, b,
             c, d, lab);
    snprintf(pe->machine, sizeof(pe->machine), "i386");
    snprintf(pe->company_name, sizeof(pe->company_name), "Microsoft Corporation");
}

/* Windows Server 2003 SP2 with IIS 6; iisutil.dll at `revision`; optionally KB973917. */
static void make_facts(kb_install_facts *f, uint16_t revision, bool kb973917)
{
    kb_install_facts_init(f);
    f->partition_index = 1;
    f->partition_offset = 32256;
    snprintf(f->windows_dir, sizeof(f->windows_dir), "\\WINDOWS");
    f->software_hive.state = KB_FACT_PRESENT;
    snprintf(f->software_hive.path, sizeof(f->software_hive.path),
             "\\WINDOWS\\system32\\config\\SOFTWARE");
    f->system_hive.state = KB_FACT_PRESENT;
    kb_fact_string_set(&f->os.product_name, "Microsoft Windows Server 2003", CV "ProductName");
    kb_fact_string_set(&f->os.current_version, "5.2", CV "CurrentVersion");
    kb_fact_string_set(&f->os.current_build_number, "3790", CV "CurrentBuildNumber");
    kb_fact_string_set(&f->os.csd_version, "Service Pack 2", CV "CSDVersion");
    kb_fact_string_set(&f->os.build_lab, "3790.srv03_sp2_rtm.070216-1710", CV "BuildLab");
    set_pe(&f->os.kernel32, "\\WINDOWS\\system32\\kernel32.dll", 5, 2, 3790, 3959,
           "srv03_sp2_rtm.070216-1710");
    kb_fact_dword_set(&f->iis.major_version, 6, "SOFTWARE\\Microsoft\\InetStp\\MajorVersion");
    kb_fact_dword_set(&f->iis.minor_version, 0, "SOFTWARE\\Microsoft\\InetStp\\MinorVersion");
    kb_fact_dword_set(&f->iis.w3svc_start, 2, "SYSTEM\\ControlSet001\\Services\\W3SVC\\Start");
    f->iis.native.state = KB_FACT_PRESENT;
    f->iis.native.partition_index = 1;
    snprintf(f->iis.native.path, sizeof(f->iis.native.path), "\\WINDOWS\\system32\\inetsrv");
    set_pe(&f->iis.native.iisutil, INETSRV "iisutil.dll", 6, 0, 3790, revision,
           revision >= 3959 ? "srv03_sp2_rtm.070216-1710" : "srv03_sp1_rtm.050324-1447");
    set_pe(&f->iis.native.w3core, INETSRV "w3core.dll", 6, 0, 3790, 3959,
           "srv03_sp2_rtm.070216-1710");
    f->iis.native.imports.state = KB_FACT_PRESENT;
    f->iis.native.imports.imported = 218;
    assert_int_equal(kb_iis_dir_add_file(&f->iis.native, &f->iis.native.iisutil, NULL), KB_OK);
    f->iis.wow64.state = KB_FACT_ABSENT;
    f->updates_state = KB_FACT_PRESENT;
    if (kb973917) {
        kb_update_fact u;

        memset(&u, 0, sizeof(u));
        snprintf(u.id, sizeof(u.id), "KB973917");
        u.seen = KB_UPDATE_SEEN_UPDATES | KB_UPDATE_SEEN_HOTFIX;
        snprintf(u.where[KB_UPDATE_WHERE_UPDATES], sizeof(u.where[0]),
                 "SOFTWARE\\Microsoft\\Updates\\Windows Server 2003\\SP3\\KB973917");
        snprintf(u.where[KB_UPDATE_WHERE_HOTFIX], sizeof(u.where[0]), CV "HotFix\\KB973917");
        snprintf(u.installed_on, sizeof(u.installed_on), "20091209");
        assert_int_equal(kb_facts_add_update(f, &u, NULL), KB_OK);
    }
}

/* A finished result with one installation. */
static kb_image_result *make_result(const char *path, uint16_t revision, bool kb973917)
{
    kb_image_result *r = malloc(sizeof(*r));
    kb_install_facts *f = malloc(sizeof(*f));

    assert_non_null(r);
    assert_non_null(f);
    kb_image_result_init(r, path);
    snprintf(r->image.format, sizeof(r->image.format), "vhd");
    r->image.size = 10737418240ull;
    r->image.segment_count = 1;
    r->partitions_seen = 2;
    make_facts(f, revision, kb973917);
    assert_int_equal(kb_image_result_add(r, f, NULL), KB_OK);
    assert_null(f->updates); /* moved */
    assert_null(f->iis.native.files);
    free(f);
    kb_image_result_finish(r);
    return r;
}

static void free_result(kb_image_result *r)
{
    kb_image_result_free(r);
    free(r);
}

/* Runs a writer into memory; returns the malloc'd output. */
typedef kb_status (*one_writer)(FILE *out, const kb_image_result *r, kb_error *err);

static char *capture(one_writer write, const kb_image_result *r, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);

    assert_non_null(mem);
    assert_int_equal(write(mem, r, NULL), KB_OK);
    assert_int_equal(fclose(mem), 0);
    if (len != NULL)
        *len = size;
    return buf;
}

static size_t count_char(const char *s, size_t len, char c)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += s[i] == c;
    return n;
}

static json_t *reason_with_fact(json_t *reasons, const char *fact)
{
    size_t i;
    json_t *r;

    json_array_foreach(reasons, i, r) {
        if (strcmp(json_string_value(json_object_get(r, "fact")), fact) == 0)
            return r;
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------
 * JSON
 * ------------------------------------------------------------------------------------- */

static void test_kb_report_json_round_trip(void **state)
{
    kb_image_result *r = make_result("disk.vhd", 1830, true);
    json_t *doc = kb_report_json(r), *back, *inst, *iisutil, *reason;
    json_error_t jerr;
    char *text;

    (void)state;
    assert_non_null(doc);
    text = json_dumps(doc, JSON_COMPACT);
    assert_non_null(text);
    back = json_loads(text, 0, &jerr);
    assert_non_null(back);

    assert_string_equal(json_string_value(json_object_get(back, "schema")), "kbprobe/scan/1");
    assert_string_equal(json_string_value(json_object_get(back, "image")), "disk.vhd");
    assert_string_equal(json_string_value(json_object_get(back, "format")), "vhd");
    assert_int_equal(json_integer_value(json_object_get(back, "size")), 10737418240ll);
    assert_int_equal(json_integer_value(json_object_get(back, "partitions_seen")), 2);
    assert_true(json_is_null(json_object_get(back, "error")));
    assert_string_equal(json_string_value(json_object_get(back, "verdict")), "broken");
    assert_non_null(strstr(json_string_value(json_object_get(back, "remedy")), "Re-apply"));
    reason = reason_with_fact(json_object_get(back, "reasons"), "updates.KB973917");
    assert_non_null(reason);
    assert_string_equal(json_string_value(json_object_get(reason, "role")), "decisive");
    assert_non_null(reason_with_fact(json_object_get(back, "reasons"), "iis.system32.iisutil"));

    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(back, "windows"), "csd_version"), "value")),
        "Service Pack 2");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(back, "windows"), "service_pack")),
        "SP2");
    iisutil = json_object_get(json_object_get(json_object_get(back, "iis"), "system32"),
                              "iisutil");
    assert_string_equal(json_string_value(json_object_get(iisutil, "file_version")),
                        "6.0.3790.1830");
    assert_string_equal(json_string_value(json_object_get(iisutil, "branch")), "srv03_sp1_rtm");
    assert_string_equal(json_string_value(json_object_get(iisutil, "sp_level")), "SP1");
    assert_int_equal(strlen(json_string_value(json_object_get(iisutil, "sha256"))), 64);
    assert_true(json_is_null(json_object_get(json_object_get(back, "iis"), "syswow64")) ||
                json_is_object(json_object_get(json_object_get(back, "iis"), "syswow64")));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(back, "updates"), 0), "id")),
                        "KB973917");
    assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(back,
                                                                                   "updates"),
                                                                    0),
                                                     "seen")),
                     2);

    assert_int_equal(json_array_size(json_object_get(back, "installations")), 1);
    inst = json_array_get(json_object_get(back, "installations"), 0);
    assert_string_equal(json_string_value(json_object_get(inst, "verdict")), "broken");
    assert_int_equal(json_integer_value(json_object_get(inst, "partition")), 1);
    assert_string_equal(json_string_value(json_object_get(inst, "windows_dir")), "\\WINDOWS");
    assert_true(json_is_array(json_object_get(inst, "evidence")));
    assert_true(json_array_size(json_object_get(inst, "evidence")) > 0);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(inst, "hives"), "software"),
                            "state")),
                        "present");
    assert_int_equal(json_array_size(json_object_get(
                         json_object_get(json_object_get(inst, "iis"), "system32"), "files")),
                     1);
    assert_true(json_is_null(json_object_get(inst, "candidate")));

    free(text);
    json_decref(back);
    json_decref(doc);
    free_result(r);
}

static void test_kb_report_json_verdict_names_match_the_five(void **state)
{
    static const struct {
        uint16_t revision;
        bool update;
        const char *name;
    } cases[] = {{3959, false, "safe"}, {1830, false, "at-risk"}, {1830, true, "broken"}};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kb_image_result *r = make_result("x.raw", cases[i].revision, cases[i].update);
        json_t *doc = kb_report_json(r);

        assert_non_null(doc);
        assert_string_equal(json_string_value(json_object_get(doc, "verdict")), cases[i].name);
        json_decref(doc);
        free_result(r);
    }
}

static void test_kb_report_write_json_holds_many_images(void **state)
{
    kb_image_result *r = calloc(2, sizeof(*r)), *one;
    json_error_t jerr;
    json_t *doc;
    char *buf = NULL;
    size_t size = 0;
    FILE *mem;

    (void)state;
    assert_non_null(r);
    one = make_result("a.vhd", 3959, false);
    r[0] = *one;
    free(one);
    one = make_result("b.vhd", 1830, false);
    r[1] = *one;
    free(one);
    mem = open_memstream(&buf, &size);
    assert_non_null(mem);
    assert_int_equal(kb_report_write_json(mem, r, 2, NULL), KB_OK);
    assert_int_equal(fclose(mem), 0);
    doc = json_loads(buf, 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "schema")), "kbprobe/scan/1");
    assert_int_equal(json_array_size(json_object_get(doc, "images")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(doc, "images"), 1), "verdict")),
                        "at-risk");
    json_decref(doc);
    free(buf);
    kb_image_result_free(&r[0]);
    kb_image_result_free(&r[1]);
    free(r);
}

static void test_kb_report_write_jsonl_is_exactly_one_line(void **state)
{
    kb_image_result *r = make_result("evil\nname\r.vhd", 1830, true);
    json_error_t jerr;
    json_t *back;
    size_t len;
    char *buf;

    (void)state;
    /* a hostile update location with a newline in it */
    snprintf(r->installations[0].facts.updates[0].description,
             sizeof(r->installations[0].facts.updates[0].description), "line1\nline2\x1b[2J");
    buf = capture(kb_report_write_jsonl, r, &len);
    assert_true(len > 2);
    assert_int_equal(count_char(buf, len, '\n'), 1);
    assert_int_equal(buf[len - 1], '\n');
    assert_int_equal(count_char(buf, len, '\x1b'), 0);
    back = json_loads(buf, 0, &jerr);
    assert_non_null(back);
    assert_string_equal(json_string_value(json_object_get(back, "image")), "evil\nname\r.vhd");
    assert_string_equal(json_string_value(json_object_get(back, "verdict")), "broken");
    json_decref(back);
    free(buf);
    free_result(r);
}

static void test_kb_report_json_replaces_invalid_utf8(void **state)
{
    kb_image_result *r = make_result("disk.vhd", 3959, false);
    json_t *doc, *product;

    (void)state;
    kb_fact_string_set(&r->installations[0].facts.os.product_name, "Windows \xff\xc3(2003\xe2\x82",
                       CV "ProductName");
    doc = kb_report_json(r);
    assert_non_null(doc);
    product = json_object_get(json_object_get(json_array_get(json_object_get(doc,
                                                                             "installations"),
                                                             0),
                                              "windows"),
                              "product_name");
    assert_string_equal(json_string_value(json_object_get(product, "value")), "Windows ?" "?(2003??");
    json_decref(doc);
    free_result(r);
}

static void test_kb_report_json_open_failure(void **state)
{
    kb_image_result *r = malloc(sizeof(*r));
    json_t *doc;
    kb_image_outcome o;

    (void)state;
    assert_non_null(r);
    kb_image_result_init(r, "missing.e01");
    kb_image_result_set_error(r, true, "missing.e01: cannot open: no such file or directory");
    kb_image_result_finish(r);
    o = kb_image_result_outcome(r);
    assert_true(o.open_failed);
    assert_int_equal(kb_verdict_exit_status(&o, 1), KB_EXIT_OPEN_FAILED);
    doc = kb_report_json(r);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "unknown");
    assert_non_null(strstr(json_string_value(json_object_get(doc, "error")), "no such file"));
    assert_int_equal(json_array_size(json_object_get(doc, "installations")), 0);
    assert_true(json_is_null(json_object_get(doc, "windows")));
    assert_non_null(reason_with_fact(json_object_get(doc, "reasons"), "image.open"));
    json_decref(doc);
    free_result(r);
}

static void test_kb_report_json_no_windows_is_not_applicable(void **state)
{
    kb_image_result *r = malloc(sizeof(*r));
    json_t *doc;

    (void)state;
    assert_non_null(r);
    kb_image_result_init(r, "blank.raw");
    kb_image_result_finish(r);
    doc = kb_report_json(r);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "not-applicable");
    assert_true(json_is_null(json_object_get(doc, "error")));
    assert_true(json_is_null(json_object_get(doc, "iis")));
    assert_int_equal(kb_verdict_exit_status(&(kb_image_outcome){false, r->overall.kind}, 1), 0);
    json_decref(doc);
    free_result(r);
}

/* ---------------------------------------------------------------------------------------
 * Result
 * ------------------------------------------------------------------------------------- */

static void test_kb_image_result_worst_installation_decides(void **state)
{
    kb_image_result *r = malloc(sizeof(*r));
    kb_install_facts *f = malloc(sizeof(*f));
    json_t *doc;

    (void)state;
    assert_non_null(r);
    assert_non_null(f);
    kb_image_result_init(r, "multi.raw");
    make_facts(f, 3959, false);
    assert_int_equal(kb_image_result_add(r, f, NULL), KB_OK);
    make_facts(f, 1830, true);
    f->partition_index = 2;
    assert_int_equal(kb_image_result_add(r, f, NULL), KB_OK);
    make_facts(f, 1830, false);
    f->partition_index = 3;
    assert_int_equal(kb_image_result_add(r, f, NULL), KB_OK);
    kb_image_result_finish(r);
    assert_int_equal(r->overall.kind, KB_VERDICT_BROKEN);
    assert_int_equal(r->deciding, 1);
    doc = kb_report_json(r);
    assert_int_equal(json_integer_value(json_object_get(doc, "deciding_installation")), 1);
    assert_int_equal(json_array_size(json_object_get(doc, "installations")), 3);
    json_decref(doc);
    free(f);
    free_result(r);
}

static void test_kb_image_result_add_caps_installations(void **state)
{
    kb_image_result *r = malloc(sizeof(*r));
    kb_install_facts *f = malloc(sizeof(*f));
    kb_error err;

    (void)state;
    assert_non_null(r);
    assert_non_null(f);
    kb_image_result_init(r, "many.raw");
    for (int i = 0; i < KB_MAX_WINDOWS_INSTALLS; i++) {
        kb_install_facts_init(f);
        assert_int_equal(kb_image_result_add(r, f, NULL), KB_OK);
    }
    kb_install_facts_init(f);
    assert_int_equal(kb_image_result_add(r, f, &err), KB_ERR_LIMIT);
    assert_non_null(strstr(err.message, "KB_MAX_WINDOWS_INSTALLS"));
    kb_image_result_finish(r);
    assert_int_equal(r->overall.kind, KB_VERDICT_UNKNOWN); /* empty facts: no SOFTWARE hive */
    free(f);
    free_result(r);
}

/* ---------------------------------------------------------------------------------------
 * Text
 * ------------------------------------------------------------------------------------- */

static void test_kb_report_write_text_starts_with_the_verdict(void **state)
{
    kb_image_result *r = make_result("disk.vhd", 1830, false);
    char *buf;
    size_t len;

    (void)state;
    buf = capture(kb_report_write_text, r, &len);
    assert_true(strncmp(buf, "at-risk  disk.vhd\n  At risk: ", 29) == 0);
    assert_non_null(strstr(buf, "iisutil.dll"));
    assert_non_null(strstr(buf, "6.0.3790.1830  SP1  srv03_sp1_rtm"));
    assert_non_null(strstr(buf, "sha256 9f86d081884c7d659a2feaa0c55ad015"));
    assert_non_null(strstr(buf, "\nRemedy: Re-apply Windows Server 2003 SP2"));
    assert_non_null(strstr(buf, "[decisive] iis.system32.iisutil"));
    free(buf);
    free_result(r);
}

static void test_kb_report_write_text_sanitises_hostile_names(void **state)
{
    kb_image_result *r = make_result("img\x1b]0;pwned\x07.vhd", 1830, true);
    kb_install_facts *f = &r->installations[0].facts;
    char *buf;
    size_t len;

    (void)state;
    snprintf(f->updates[0].where[KB_UPDATE_WHERE_HOTFIX], sizeof(f->updates[0].where[0]),
             "SOFTWARE\\HotFix\\KB973917\r\nFAKE: safe");
    snprintf(f->iis.native.iisutil.path, sizeof(f->iis.native.iisutil.path),
             "\\WINDOWS\\system32\\inetsrv\\iisutil.dll\x1b[2K");
    kb_fact_string_set(&f->os.product_name, "Windows\tServer\b\x7f", CV "ProductName");
    kb_verdict_decide(f, &r->installations[0].verdict);
    kb_image_result_finish(r);
    buf = capture(kb_report_write_text, r, &len);
    assert_true(strncmp(buf, "broken  img?]0;pwned?.vhd\n", 26) == 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];

        if (c != '\n')
            assert_true(c >= 0x20 && c != 0x7f);
    }
    /* the injected line break did not start a new line */
    assert_null(strstr(buf, "\nFAKE: safe"));
    assert_non_null(strstr(buf, "KB973917??FAKE: safe"));
    assert_non_null(strstr(buf, "Windows?Server??"));
    free(buf);
    free_result(r);
}

static void test_kb_report_write_text_open_failure(void **state)
{
    kb_image_result *r = malloc(sizeof(*r));
    char *buf;

    (void)state;
    assert_non_null(r);
    kb_image_result_init(r, "gone.vmdk");
    kb_image_result_set_error(r, true, "gone.vmdk: cannot open");
    kb_image_result_finish(r);
    buf = capture(kb_report_write_text, r, NULL);
    assert_true(strncmp(buf, "unknown  gone.vmdk\n", 19) == 0);
    assert_non_null(strstr(buf, "Error: gone.vmdk: cannot open"));
    free(buf);
    free_result(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kb_report_json_round_trip),
        cmocka_unit_test(test_kb_report_json_verdict_names_match_the_five),
        cmocka_unit_test(test_kb_report_write_json_holds_many_images),
        cmocka_unit_test(test_kb_report_write_jsonl_is_exactly_one_line),
        cmocka_unit_test(test_kb_report_json_replaces_invalid_utf8),
        cmocka_unit_test(test_kb_report_json_open_failure),
        cmocka_unit_test(test_kb_report_json_no_windows_is_not_applicable),
        cmocka_unit_test(test_kb_image_result_worst_installation_decides),
        cmocka_unit_test(test_kb_image_result_add_caps_installations),
        cmocka_unit_test(test_kb_report_write_text_starts_with_the_verdict),
        cmocka_unit_test(test_kb_report_write_text_sanitises_hostile_names),
        cmocka_unit_test(test_kb_report_write_text_open_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
