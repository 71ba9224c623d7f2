/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pe.c - src/pe/pe.c and src/pe/pe_version.c.
 *
 * 1. A tiny PE32 or PE32+ file crafted byte by byte (craft() below is its recipe), parsed
 *    whole, then damaged one field per case: every case asserts the status (and that nothing
 *    crashes: the sanitizer build runs these).
 * 2. Real DLLs and an EXE built by fixtures/factory/mkpe at build time (tests/unit/pe.cmake
 *    holds their arguments), read from $KB_BUILD_DIR/tests/unit/pe-data: exact versions,
 *    strings, build lab, machine, exports (decorated names included) and imports.
 * 3. Robustness: every truncation and thousands of deterministic single-byte mutations of
 *    the real files and of the crafted file; only "returns a status" is asserted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#include "pe/pe.h"
#include "util/limits.h"

/* ---- the crafted file ---------------------------------------------------------------- */

/*
 * Layout (one section, ".data", RVA 0x1000..0x1e00 at file offset 0x200..0x1000):
 *   0x000 DOS header, e_lfanew = 0x40          0x040 "PE\0\0" + COFF header
 *   0x058 optional header (224 or 240 bytes)    then the section table (1 entry)
 *   RVA 0x1000 export directory: 3 names at 0x1040 -> "Zeta", "?Copy@MULTISZ@@QAEHPBGK@Z",
 *              "Alpha"
 *   RVA 0x1100 import directory: IISUTIL.DLL (lookup 0x1140: name at 0x11a0, ordinal 5),
 *              KERNEL32.dll (lookup 0x11c0: "GetVersion" at 0x11e0), then a zero entry
 *   RVA 0x1200 resource tree: type dir (+0x00, id 16) -> name dir (+0x18, id 1) ->
 *              language dir (+0x30, id 0x409) -> data entry (+0x48) -> VS_VERSIONINFO at
 *              RVA 0x1260 (file 0x460)
 */
#define IMG_SIZE 0x1000
#define LFANEW 0x40
#define OPT_OFF 0x58
#define SEC_RVA 0x1000u
#define SEC_RAW 0x200u
#define SEC_SIZE 0xe00u
#define EXPORT_RVA 0x1000u
#define IMPORT_RVA 0x1100u
#define RES_RVA 0x1200u
#define VS_RVA 0x1260u
#define COPY_NAME "?Copy@MULTISZ@@QAEHPBGK@Z"

typedef struct crafted {
    uint8_t data[IMG_SIZE];
    size_t size;
    bool pe32plus;
    size_t opt_size;
    size_t dirs;           /* file offset of the data directories */
    size_t table;          /* file offset of the section table */
    size_t vs_root;        /* file offset of the VS_VERSIONINFO root block */
    size_t vs_fixed;       /* ... of VS_FIXEDFILEINFO */
    size_t vs_first_string; /* ... of the first String block */
    size_t vs_end;         /* end of VS_VERSIONINFO */
} crafted;

static size_t at(uint32_t rva)
{
    return rva - SEC_RVA + SEC_RAW;
}

static void put16(crafted *c, size_t off, uint16_t v)
{
    c->data[off] = (uint8_t)v;
    c->data[off + 1] = (uint8_t)(v >> 8);
}

static void put32(crafted *c, size_t off, uint32_t v)
{
    put16(c, off, (uint16_t)v);
    put16(c, off + 2, (uint16_t)(v >> 16));
}

static void put64(crafted *c, size_t off, uint64_t v)
{
    put32(c, off, (uint32_t)v);
    put32(c, off + 4, (uint32_t)(v >> 32));
}

static void put_str(crafted *c, size_t off, const char *s)
{
    memcpy(c->data + off, s, strlen(s) + 1);
}

static void put_thunk(crafted *c, size_t off, uint64_t v)
{
    if (c->pe32plus)
        put64(c, off, v);
    else
        put32(c, off, (uint32_t)v);
}

static uint64_t ordinal(const crafted *c, uint16_t n)
{
    return (c->pe32plus ? (uint64_t)1 << 63 : (uint64_t)0x80000000u) | n;
}

static size_t align4(size_t off)
{
    return (off + 3) & ~(size_t)3;
}

/* Writes a VS block header with `key` at *pos; *pos moves to the (aligned) value. */
static size_t vs_begin(crafted *c, size_t *pos, const char *key, uint16_t value_length,
                       uint16_t type)
{
    size_t start = *pos, p = start + 6, i;

    put16(c, start + 2, value_length);
    put16(c, start + 4, type);
    for (i = 0; key[i] != '\0'; i++, p += 2)
        put16(c, p, (uint8_t)key[i]);
    put16(c, p, 0);
    *pos = align4(p + 2);
    return start;
}

/* Sets the block's wLength to *pos - start and aligns *pos for the next sibling. */
static void vs_end(crafted *c, size_t start, size_t *pos)
{
    put16(c, start, (uint16_t)(*pos - start));
    *pos = align4(*pos);
}

static void vs_string(crafted *c, size_t *pos, const char *key, const char *value)
{
    size_t start = vs_begin(c, pos, key, (uint16_t)(strlen(value) + 1), 1), i;

    for (i = 0; value[i] != '\0'; i++, *pos += 2)
        put16(c, *pos, (uint8_t)value[i]);
    put16(c, *pos, 0);
    *pos += 2;
    vs_end(c, start, pos);
}

/* Builds the crafted file; extra_strings adds "K<n>"="v" strings to the string table. */
static void craft(crafted *c, bool pe32plus, size_t extra_strings)
{
    size_t coff = LFANEW + 4, res = at(RES_RVA), pos, root, sfi, table, var, tr, i;

    memset(c, 0, sizeof(*c));
    c->size = IMG_SIZE;
    c->pe32plus = pe32plus;
    c->opt_size = pe32plus ? 240 : 224;
    c->dirs = OPT_OFF + (pe32plus ? 112 : 96);
    c->table = OPT_OFF + c->opt_size;

    c->data[0] = 'M';
    c->data[1] = 'Z';
    put32(c, 0x3c, LFANEW);
    memcpy(c->data + LFANEW, "PE\0\0", 4);
    put16(c, coff + 0, pe32plus ? KB_PE_MACHINE_AMD64 : KB_PE_MACHINE_I386);
    put16(c, coff + 2, 1);
    put32(c, coff + 4, 0x45d6a0c8);
    put16(c, coff + 16, (uint16_t)c->opt_size);
    put16(c, coff + 18, 0x2102);
    put16(c, OPT_OFF, pe32plus ? 0x20b : 0x10b);
    put32(c, OPT_OFF + 60, SEC_RAW);
    put32(c, c->dirs - 4, 16);
    put32(c, c->dirs + 0, EXPORT_RVA);
    put32(c, c->dirs + 4, 0x100);
    put32(c, c->dirs + 8, IMPORT_RVA);
    put32(c, c->dirs + 12, 60);
    put32(c, c->dirs + 16, RES_RVA);
    put32(c, c->dirs + 20, SEC_RVA + SEC_SIZE - RES_RVA);
    memcpy(c->data + c->table, ".data", 5);
    put32(c, c->table + 8, SEC_SIZE);
    put32(c, c->table + 12, SEC_RVA);
    put32(c, c->table + 16, SEC_SIZE);
    put32(c, c->table + 20, SEC_RAW);

    /* exports */
    put32(c, at(EXPORT_RVA) + 24, 3);
    put32(c, at(EXPORT_RVA) + 32, 0x1040);
    put32(c, at(0x1040), 0x1050);
    put32(c, at(0x1044), 0x1060);
    put32(c, at(0x1048), 0x1080);
    put_str(c, at(0x1050), "Zeta");
    put_str(c, at(0x1060), COPY_NAME);
    put_str(c, at(0x1080), "Alpha");

    /* imports */
    put32(c, at(IMPORT_RVA) + 0, 0x1140);
    put32(c, at(IMPORT_RVA) + 12, 0x1180);
    put32(c, at(IMPORT_RVA) + 16, 0x1160);
    put32(c, at(IMPORT_RVA) + 20, 0x11c0);
    put32(c, at(IMPORT_RVA) + 32, 0x1190);
    put32(c, at(IMPORT_RVA) + 36, 0x11d0);
    for (i = 0; i < 2; i++) {
        size_t lookup = at(i == 0 ? 0x1140 : 0x1160), step = pe32plus ? 8 : 4;

        put_thunk(c, lookup, 0x11a0);
        put_thunk(c, lookup + step, ordinal(c, 5));
        put_thunk(c, at(i == 0 ? 0x11c0 : 0x11d0), 0x11e0);
    }
    put_str(c, at(0x1180), "IISUTIL.DLL");
    put_str(c, at(0x1190), "KERNEL32.dll");
    put_str(c, at(0x11a2), COPY_NAME);
    put_str(c, at(0x11e2), "GetVersion");

    /* resource tree */
    put16(c, res + 14, 1);
    put32(c, res + 16, 16);
    put32(c, res + 20, 0x80000018u);
    put16(c, res + 0x18 + 14, 1);
    put32(c, res + 0x18 + 16, 1);
    put32(c, res + 0x18 + 20, 0x80000030u);
    put16(c, res + 0x30 + 14, 1);
    put32(c, res + 0x30 + 16, 0x409);
    put32(c, res + 0x30 + 20, 0x48);
    put32(c, res + 0x48, VS_RVA);

    /* VS_VERSIONINFO */
    pos = at(VS_RVA);
    root = vs_begin(c, &pos, "VS_VERSION_INFO", 52, 0);
    c->vs_root = root;
    c->vs_fixed = pos;
    put32(c, pos + 0, 0xfeef04bdu);
    put32(c, pos + 4, 0x00010000u);
    put32(c, pos + 8, 0x00060000u);  /* 6.0 */
    put32(c, pos + 12, 0x0ece0f77u); /* .3790.3959 */
    put32(c, pos + 16, 0x00060000u);
    put32(c, pos + 20, 0x0ece1255u); /* .3790.4693 */
    pos += 52;
    sfi = vs_begin(c, &pos, "StringFileInfo", 0, 1);
    table = vs_begin(c, &pos, "040904B0", 0, 1);
    c->vs_first_string = pos;
    vs_string(c, &pos, "FileVersion", "6.0.3790.3959 (srv03_sp2_rtm.070216-1710)");
    vs_string(c, &pos, "CompanyName", "Microsoft Corporation");
    vs_string(c, &pos, "OriginalFilename", "IISUTIL.DLL");
    for (i = 0; i < extra_strings; i++) {
        char key[32];

        snprintf(key, sizeof(key), "K%zu", i);
        vs_string(c, &pos, key, "v");
    }
    vs_end(c, table, &pos);
    vs_end(c, sfi, &pos);
    var = vs_begin(c, &pos, "VarFileInfo", 0, 1);
    tr = vs_begin(c, &pos, "Translation", 4, 0);
    put32(c, pos, 0x04b00409u);
    pos += 4;
    vs_end(c, tr, &pos);
    vs_end(c, var, &pos);
    vs_end(c, root, &pos);
    c->vs_end = pos;
    assert_true(pos <= IMG_SIZE);
    put32(c, res + 0x48 + 4, (uint32_t)(pos - root));
}

static kb_status parse_crafted(const crafted *c, kb_pe **pe, kb_error *err)
{
    kb_error_clear(err);
    return kb_pe_parse(c->data, c->size, pe, err);
}

/* Parses c and asserts the status; on failure that there is a message and no result, and
 * that the message contains `needle` when given. */
static void expect(const crafted *c, kb_status want, const char *needle)
{
    kb_pe *pe = NULL;
    kb_error err;
    kb_status st = parse_crafted(c, &pe, &err);

    if (st != want)
        fail_msg("status %s, want %s (%s)", kb_status_name(st), kb_status_name(want),
                 err.message);
    if (want != KB_OK) {
        assert_null(pe);
        assert_true(err.message[0] != '\0');
        if (needle != NULL && strstr(err.message, needle) == NULL)
            fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
    }
    kb_pe_free(pe);
}

/* ---- the crafted file, whole ---------------------------------------------------------- */

static void check_crafted(bool pe32plus)
{
    const kb_pe_import_dll *dll;
    kb_pe *pe = NULL;
    kb_error err;
    crafted c;

    craft(&c, pe32plus, 0);
    assert_int_equal(parse_crafted(&c, &pe, &err), KB_OK);
    assert_int_equal(pe->machine, pe32plus ? KB_PE_MACHINE_AMD64 : KB_PE_MACHINE_I386);
    assert_int_equal(pe->pe32plus, pe32plus);
    assert_int_equal(pe->characteristics, 0x2102);
    assert_int_equal(pe->timestamp, 0x45d6a0c8);
    assert_int_equal(pe->section_count, 1);
    assert_true(pe->has_version);
    assert_int_equal(pe->file_version[0], 6);
    assert_int_equal(pe->file_version[1], 0);
    assert_int_equal(pe->file_version[2], 3790);
    assert_int_equal(pe->file_version[3], 3959);
    assert_int_equal(pe->product_version[3], 4693);
    assert_int_equal(pe->string_count, 3);
    assert_string_equal(kb_pe_string_get(pe, "fileversion"),
                        "6.0.3790.3959 (srv03_sp2_rtm.070216-1710)");
    assert_string_equal(kb_pe_string_get(pe, "CompanyName"), "Microsoft Corporation");
    assert_string_equal(kb_pe_string_get(pe, "ORIGINALFILENAME"), "IISUTIL.DLL");
    assert_null(kb_pe_string_get(pe, "ProductName"));
    assert_string_equal(pe->build_lab, "srv03_sp2_rtm.070216-1710");
    assert_string_equal(pe->branch, "srv03_sp2_rtm");
    assert_int_equal(pe->export_count, 3);
    assert_string_equal(pe->exports[0], COPY_NAME);
    assert_string_equal(pe->exports[1], "Alpha");
    assert_string_equal(pe->exports[2], "Zeta");
    assert_true(kb_pe_has_export(pe, COPY_NAME));
    assert_true(kb_pe_has_export(pe, "Zeta"));
    assert_false(kb_pe_has_export(pe, "zeta"));
    assert_false(kb_pe_has_export(pe, "Beta"));
    assert_int_equal(pe->import_count, 2);
    dll = kb_pe_import_find(pe, "iisutil.dll");
    assert_non_null(dll);
    assert_string_equal(dll->name, "IISUTIL.DLL");
    assert_int_equal(dll->name_count, 1);
    assert_string_equal(dll->names[0], COPY_NAME);
    assert_int_equal(dll->ordinal_count, 1);
    dll = kb_pe_import_find(pe, "KERNEL32.DLL");
    assert_non_null(dll);
    assert_int_equal(dll->name_count, 1);
    assert_string_equal(dll->names[0], "GetVersion");
    assert_int_equal(dll->ordinal_count, 0);
    assert_null(kb_pe_import_find(pe, "ntdll.dll"));
    kb_pe_free(pe);
}

static void test_kb_pe_parse_crafted_pe32(void **state)
{
    (void)state;
    check_crafted(false);
}

static void test_kb_pe_parse_crafted_pe32plus(void **state)
{
    (void)state;
    check_crafted(true);
}

static void test_kb_pe_parse_arguments(void **state)
{
    kb_pe *pe = (kb_pe *)1;
    kb_error err;
    uint8_t byte = 0;

    (void)state;
    assert_int_equal(kb_pe_parse(&byte, 1, NULL, &err), KB_ERR_ARGUMENT);
    assert_int_equal(kb_pe_parse(NULL, 5, &pe, &err), KB_ERR_ARGUMENT);
    assert_int_equal(kb_pe_parse(NULL, 0, &pe, &err), KB_ERR_CORRUPT);
    assert_null(pe);
    assert_int_equal(kb_pe_parse(&byte, 1, &pe, NULL), KB_ERR_CORRUPT);
    kb_pe_free(NULL);
    assert_null(kb_pe_string_get(NULL, "x"));
    assert_false(kb_pe_has_export(NULL, "x"));
    assert_null(kb_pe_import_find(NULL, "x"));
}

static void test_kb_pe_machine_name_known(void **state)
{
    (void)state;
    assert_string_equal(kb_pe_machine_name(0x14c), "i386");
    assert_string_equal(kb_pe_machine_name(0x8664), "amd64");
    assert_string_equal(kb_pe_machine_name(0x200), "ia64");
    assert_string_equal(kb_pe_machine_name(0xaa64), "arm64");
    assert_string_equal(kb_pe_machine_name(0x1234), "unknown");
}

/* ---- headers -------------------------------------------------------------------------- */

static void test_kb_pe_parse_bad_mz(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    c.data[1] = 'X';
    expect(&c, KB_ERR_CORRUPT, "MZ");
}

static void test_kb_pe_parse_short_dos_header(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    c.size = 63;
    expect(&c, KB_ERR_CORRUPT, "dos header");
}

static void test_kb_pe_parse_lfanew_out_of_bounds(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put32(&c, 0x3c, 0xfffffff0u);
    expect(&c, KB_ERR_CORRUPT, "e_lfanew");
    put32(&c, 0x3c, IMG_SIZE - 10);
    expect(&c, KB_ERR_CORRUPT, "e_lfanew");
}

static void test_kb_pe_parse_bad_pe_signature(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    c.data[LFANEW + 2] = 'X';
    expect(&c, KB_ERR_CORRUPT, "PE signature");
}

static void test_kb_pe_parse_section_count_over_cap(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put16(&c, LFANEW + 4 + 2, KB_MAX_PE_SECTIONS + 1);
    expect(&c, KB_ERR_LIMIT, "KB_MAX_PE_SECTIONS");
    put16(&c, LFANEW + 4 + 2, 0xffff);
    expect(&c, KB_ERR_LIMIT, NULL);
}

static void test_kb_pe_parse_section_table_past_eof(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put16(&c, LFANEW + 4 + 2, 96); /* 96 * 40 bytes from 0x138 runs past 0x1000 */
    expect(&c, KB_ERR_CORRUPT, "section table");
}

static void test_kb_pe_parse_optional_header_past_eof(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put16(&c, LFANEW + 4 + 16, 0xffff);
    expect(&c, KB_ERR_CORRUPT, "optional header");
}

static void test_kb_pe_parse_optional_header_too_small(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put16(&c, LFANEW + 4 + 16, 64);
    expect(&c, KB_ERR_CORRUPT, "optional header too small");
    put16(&c, LFANEW + 4 + 16, 0);
    expect(&c, KB_ERR_CORRUPT, "optional header");
}

static void test_kb_pe_parse_bad_optional_magic(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put16(&c, OPT_OFF, 0x107); /* ROM image */
    expect(&c, KB_ERR_UNSUPPORTED, "magic");
}

static void test_kb_pe_parse_directory_count(void **state)
{
    crafted c;

    (void)state;
    /* more than 16: the loader reads 16, so do we */
    craft(&c, false, 0);
    put32(&c, c.dirs - 4, 0xffffffffu);
    expect(&c, KB_OK, NULL);
    /* 16 directories that SizeOfOptionalHeader cannot hold */
    put16(&c, LFANEW + 4 + 16, 96 + 8 * 4);
    expect(&c, KB_ERR_CORRUPT, "data directories");
    /* no directories at all: nothing but headers */
    craft(&c, true, 0);
    put32(&c, c.dirs - 4, 0);
    expect(&c, KB_OK, NULL);
}

static void test_kb_pe_parse_no_directories_no_version(void **state)
{
    kb_pe *pe = NULL;
    kb_error err;
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put32(&c, c.dirs - 4, 0);
    assert_int_equal(parse_crafted(&c, &pe, &err), KB_OK);
    assert_false(pe->has_version);
    assert_int_equal(pe->string_count, 0);
    assert_null(pe->build_lab);
    assert_int_equal(pe->export_count, 0);
    assert_int_equal(pe->import_count, 0);
    assert_false(kb_pe_has_export(pe, "Alpha"));
    kb_pe_free(pe);
}

static void test_kb_pe_parse_rva_outside_every_section(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put32(&c, c.dirs + 0, 0x9000);
    expect(&c, KB_ERR_CORRUPT, "outside every section");
    craft(&c, false, 0);
    put32(&c, c.dirs + 8, 0xfffffff0u);
    expect(&c, KB_ERR_CORRUPT, "outside every section");
    craft(&c, false, 0);
    put32(&c, c.dirs + 16, SEC_RVA + SEC_SIZE);
    expect(&c, KB_ERR_CORRUPT, "outside every section");
}

static void test_kb_pe_parse_section_raw_data_past_eof(void **state)
{
    crafted c;

    (void)state;
    /* the section claims more raw data than the file has: its tail is unreadable */
    craft(&c, false, 0);
    c.size = at(VS_RVA) + 8;
    expect(&c, KB_ERR_CORRUPT, "version resource data");
    /* raw data pointer past the end of the file */
    craft(&c, false, 0);
    put32(&c, c.table + 20, 0x7ffffff0u);
    expect(&c, KB_ERR_CORRUPT, "raw data");
}

/* ---- exports -------------------------------------------------------------------------- */

static void test_kb_pe_parse_export_name_pointer_out_of_range(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put32(&c, at(0x1044), 0xfffffff0u);
    expect(&c, KB_ERR_CORRUPT, "export name");
    craft(&c, false, 0);
    put32(&c, at(EXPORT_RVA) + 32, 0x1dfc); /* 3 pointers from 4 bytes before the end */
    expect(&c, KB_ERR_CORRUPT, "export name pointer table");
}

static void test_kb_pe_parse_export_name_without_terminator(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    memset(c.data + at(0x1df0), 'A', 16); /* runs to the end of the section */
    put32(&c, at(0x1044), 0x1df0);
    expect(&c, KB_ERR_CORRUPT, "without terminator");
}

static void test_kb_pe_parse_export_name_too_long(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    memset(c.data + at(0x1300), 'A', KB_MAX_SYMBOL_BYTES + 8);
    put32(&c, at(0x1044), 0x1300);
    put32(&c, c.dirs + 16, 0); /* the long name overwrote the resources */
    expect(&c, KB_ERR_LIMIT, "KB_MAX_SYMBOL_BYTES");
}

static void test_kb_pe_parse_absurd_number_of_names(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put32(&c, at(EXPORT_RVA) + 24, 0x7fffffffu);
    expect(&c, KB_ERR_LIMIT, "KB_MAX_EXPORTS");
    put32(&c, at(EXPORT_RVA) + 24, KB_MAX_EXPORTS); /* under the cap, past the section */
    expect(&c, KB_ERR_CORRUPT, "export name pointer table");
}

static void test_kb_pe_parse_export_directory_truncated(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put32(&c, c.dirs + 0, SEC_RVA + SEC_SIZE - 20);
    expect(&c, KB_ERR_CORRUPT, "export directory");
}

/* ---- imports -------------------------------------------------------------------------- */

static void test_kb_pe_parse_import_name_out_of_range(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put32(&c, at(IMPORT_RVA) + 12, 0x7000);
    expect(&c, KB_ERR_CORRUPT, "import dll name");
    craft(&c, true, 0);
    put_thunk(&c, at(0x1140), 0x7fff0000u); /* hint/name entry outside every section */
    expect(&c, KB_ERR_CORRUPT, "import name");
}

static void test_kb_pe_parse_import_thunks_without_terminator(void **state)
{
    crafted c;
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        craft(&c, i == 1, 0);
        /* a lookup table of ordinals filling the last 32 bytes of the section */
        put32(&c, at(IMPORT_RVA) + 0, SEC_RVA + SEC_SIZE - 32);
        memset(c.data + at(SEC_RVA + SEC_SIZE - 32), 0x81, 32);
        expect(&c, KB_ERR_CORRUPT, "without terminator");
    }
}

static void test_kb_pe_parse_import_reserved_bits(void **state)
{
    crafted c;

    (void)state;
    craft(&c, true, 0);
    put_thunk(&c, at(0x1140), (uint64_t)1 << 40 | 0x11a0);
    expect(&c, KB_ERR_CORRUPT, "reserved bits");
}

static void test_kb_pe_parse_import_directory_without_terminator(void **state)
{
    crafted c;
    size_t off;

    (void)state;
    craft(&c, false, 0);
    /* descriptors copied up to the end of the section, no zero entry after them */
    put32(&c, c.dirs + 16, 0);
    for (off = at(0x1d00); off + 20 <= at(SEC_RVA + SEC_SIZE); off += 20)
        memcpy(c.data + off, c.data + at(IMPORT_RVA), 20);
    put32(&c, c.dirs + 8, 0x1d00);
    expect(&c, KB_ERR_CORRUPT, "import directory without terminator");
}

static void test_kb_pe_parse_import_ordinals_only(void **state)
{
    const kb_pe_import_dll *dll;
    kb_pe *pe = NULL;
    kb_error err;
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put32(&c, at(IMPORT_RVA) + 0, 0); /* no lookup table: the address table is read */
    put_thunk(&c, at(0x1160), ordinal(&c, 7));
    assert_int_equal(parse_crafted(&c, &pe, &err), KB_OK);
    dll = kb_pe_import_find(pe, "IISUTIL.DLL");
    assert_non_null(dll);
    assert_int_equal(dll->name_count, 0);
    assert_int_equal(dll->ordinal_count, 2);
    kb_pe_free(pe);
}

/* ---- resources ------------------------------------------------------------------------ */

static void test_kb_pe_parse_resource_loop(void **state)
{
    size_t res = at(RES_RVA);
    crafted c;

    (void)state;
    /* the type entry points back at its own directory */
    craft(&c, false, 0);
    put32(&c, res + 20, 0x80000000u);
    expect(&c, KB_ERR_CORRUPT, "resource directory loop at offset 0x400");
    /* the language entry points back at the name directory */
    craft(&c, false, 0);
    put32(&c, res + 0x30 + 20, 0x80000018u);
    expect(&c, KB_ERR_CORRUPT, "resource directory loop");
}

static void test_kb_pe_parse_resource_too_deep(void **state)
{
    size_t res = at(RES_RVA);
    crafted c;

    (void)state;
    craft(&c, false, 0);
    /* the language entry points at a fourth directory level */
    put32(&c, res + 0x30 + 20, 0x80000100u);
    put16(&c, res + 0x100 + 14, 1);
    put32(&c, res + 0x100 + 20, 0x48);
    expect(&c, KB_ERR_LIMIT, "KB_MAX_RESOURCE_DEPTH");
}

static void test_kb_pe_parse_resource_absurd_entry_count(void **state)
{
    size_t res = at(RES_RVA);
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put16(&c, res + 12, 0xffff);
    put16(&c, res + 14, 0xffff);
    expect(&c, KB_ERR_LIMIT, "KB_MAX_RESOURCE_ENTRIES");
    /* under the cap but the entry table runs past the section */
    craft(&c, false, 0);
    put16(&c, res + 14, 1000);
    expect(&c, KB_ERR_CORRUPT, "resource directory entry out of bounds at offset 0x410");
}

static void test_kb_pe_parse_resource_directory_out_of_bounds(void **state)
{
    size_t res = at(RES_RVA);
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put32(&c, res + 20, 0x80000000u | (SEC_SIZE - (RES_RVA - SEC_RVA) - 8));
    expect(&c, KB_ERR_CORRUPT, "resource directory out of bounds");
    craft(&c, false, 0);
    put32(&c, res + 0x30 + 20, 0x7ffffff0u); /* data entry */
    expect(&c, KB_ERR_CORRUPT, "resource data entry out of bounds");
    craft(&c, false, 0);
    put32(&c, res + 20, 0x48); /* a data entry where a type directory belongs */
    expect(&c, KB_ERR_CORRUPT, "without a subdirectory");
}

static void test_kb_pe_parse_no_version_type(void **state)
{
    kb_pe *pe = NULL;
    kb_error err;
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put32(&c, at(RES_RVA) + 16, 3); /* RT_ICON instead of RT_VERSION */
    assert_int_equal(parse_crafted(&c, &pe, &err), KB_OK);
    assert_false(pe->has_version);
    assert_int_equal(pe->export_count, 3);
    kb_pe_free(pe);
}

/* ---- VS_VERSIONINFO ------------------------------------------------------------------- */

static void test_kb_pe_parse_version_length_past_resource(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put16(&c, c.vs_root, (uint16_t)(c.vs_end - c.vs_root + 4));
    expect(&c, KB_ERR_CORRUPT, "past its parent or the resource");
    /* the data entry's size runs past the section */
    craft(&c, false, 0);
    put32(&c, at(RES_RVA) + 0x48 + 4, 0x10000);
    expect(&c, KB_ERR_CORRUPT, "version resource data");
    /* a child longer than its parent */
    craft(&c, false, 0);
    put16(&c, c.vs_first_string, 0x800);
    expect(&c, KB_ERR_CORRUPT, "past its parent");
}

static void test_kb_pe_parse_version_length_smaller_than_header(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put16(&c, c.vs_root, 4);
    expect(&c, KB_ERR_CORRUPT, "smaller than its header");
    craft(&c, false, 0);
    put16(&c, c.vs_first_string, 7);
    expect(&c, KB_ERR_CORRUPT, "smaller than its header");
    /* a zero length is padding: the table just ends there */
    craft(&c, false, 0);
    put16(&c, c.vs_first_string, 0);
    expect(&c, KB_OK, NULL);
}

static void test_kb_pe_parse_version_key_without_nul(void **state)
{
    crafted c;
    size_t i, end;

    (void)state;
    craft(&c, false, 0);
    /* the first String's key and value overwritten with 'A' units up to its end */
    end = c.vs_first_string + (c.data[c.vs_first_string] | (size_t)c.data[c.vs_first_string + 1] << 8);
    for (i = c.vs_first_string + 6; i + 1 < end; i += 2)
        put16(&c, i, 'A');
    expect(&c, KB_ERR_CORRUPT, "key without terminator");
}

static void test_kb_pe_parse_version_odd_value_without_nul(void **state)
{
    kb_pe *pe = NULL;
    kb_error err;
    crafted c;
    size_t len, start;

    (void)state;
    craft(&c, false, 0);
    /* OriginalFilename: drop the value's NUL and make wLength odd (half a unit at the end) */
    start = c.vs_first_string;
    len = c.data[start] | (size_t)c.data[start + 1] << 8;
    start = align4(start + len); /* CompanyName */
    len = c.data[start] | (size_t)c.data[start + 1] << 8;
    start = align4(start + len); /* OriginalFilename: "IISUTIL.DLL" + NUL */
    len = c.data[start] | (size_t)c.data[start + 1] << 8;
    put16(&c, start, (uint16_t)(len - 1));
    put16(&c, start + len - 2, 'X'); /* the NUL becomes 'X', its high byte is cut off */
    assert_int_equal(parse_crafted(&c, &pe, &err), KB_OK);
    assert_string_equal(kb_pe_string_get(pe, "OriginalFilename"), "IISUTIL.DLL");
    kb_pe_free(pe);
}

static void test_kb_pe_parse_version_bad_fixed_signature(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put32(&c, c.vs_fixed, 0xfeef04beu);
    expect(&c, KB_ERR_CORRUPT, "VS_FIXEDFILEINFO signature 0xfeef04be is not 0xfeef04bd");
}

static void test_kb_pe_parse_version_fixed_too_short(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put16(&c, c.vs_root + 2, 20);
    expect(&c, KB_ERR_CORRUPT, "VS_FIXEDFILEINFO");
}

static void test_kb_pe_parse_version_without_fixed_info(void **state)
{
    kb_pe *pe = NULL;
    kb_error err;
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put16(&c, c.vs_root + 2, 0);
    assert_int_equal(parse_crafted(&c, &pe, &err), KB_OK);
    assert_false(pe->has_version);
    kb_pe_free(pe);
}

static void test_kb_pe_parse_version_wrong_root_key(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    put16(&c, c.vs_root + 6, 'W');
    expect(&c, KB_ERR_CORRUPT, "VS_VERSION_INFO");
}

static void test_kb_pe_parse_version_strings_over_cap(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, KB_MAX_VERSION_STRINGS - 3);
    expect(&c, KB_OK, NULL);
    craft(&c, false, KB_MAX_VERSION_STRINGS - 2);
    expect(&c, KB_ERR_LIMIT, "KB_MAX_VERSION_STRINGS");
}

static void test_kb_pe_parse_version_no_build_lab(void **state)
{
    kb_pe *pe = NULL;
    kb_error err;
    crafted c;
    size_t i;

    (void)state;
    craft(&c, false, 0);
    /* "6.0.3790.3959 (srv03..." -> "6.0.3790.3959 Xsrv03...": no parenthesis */
    for (i = c.vs_first_string; i < c.vs_end; i += 2)
        if (c.data[i] == '(' && c.data[i + 1] == 0)
            c.data[i] = 'X';
    assert_int_equal(parse_crafted(&c, &pe, &err), KB_OK);
    assert_true(pe->has_version);
    assert_null(pe->build_lab);
    assert_null(pe->branch);
    kb_pe_free(pe);
}

/* ---- every truncation of the crafted file ---------------------------------------------- */

static void test_kb_pe_parse_crafted_truncations(void **state)
{
    crafted c;
    size_t n;

    (void)state;
    craft(&c, false, 0);
    for (n = 0; n < IMG_SIZE; n++) {
        kb_pe *pe = NULL;
        kb_error err;
        kb_status st;

        kb_error_clear(&err);
        st = kb_pe_parse(c.data, n, &pe, &err);
        /* below the first byte the parser needs, the file cannot parse */
        assert_true(st != KB_OK || n >= at(VS_RVA));
        kb_pe_free(pe);
    }
}

/* ---- real files from mkpe ------------------------------------------------------------- */

static const char *const pe_files[] = {"iisutil_x86.dll", "w3core_x64.dll", "w3core_x86.dll",
                                       "w3wp_x86.exe", "noversion_x64.dll"};
#define PE_FILE_COUNT (sizeof(pe_files) / sizeof(pe_files[0]))

static void load(const char *name, blob *out)
{
    kb_test_load_built("tests/unit/pe-data", name, "test_pe_data", out);
}

static kb_pe *load_pe(const char *name)
{
    kb_pe *pe = NULL;
    kb_error err;
    blob b;

    load(name, &b);
    kb_error_clear(&err);
    if (kb_pe_parse(b.data, b.size, &pe, &err) != KB_OK)
        fail_msg("%s: %s", name, err.message);
    free(b.data);
    return pe;
}

static void assert_version(const uint16_t v[4], unsigned a, unsigned b, unsigned c, unsigned d)
{
    assert_int_equal(v[0], a);
    assert_int_equal(v[1], b);
    assert_int_equal(v[2], c);
    assert_int_equal(v[3], d);
}

static void test_kb_pe_parse_mkpe_iisutil_x86(void **state)
{
    const kb_pe_import_dll *dll;
    kb_pe *pe = load_pe("iisutil_x86.dll");

    (void)state;
    assert_int_equal(pe->machine, KB_PE_MACHINE_I386);
    assert_string_equal(kb_pe_machine_name(pe->machine), "i386");
    assert_false(pe->pe32plus);
    assert_true(pe->characteristics & 0x2000); /* IMAGE_FILE_DLL */
    assert_int_equal(pe->timestamp, 0);        /* --no-insert-timestamp */
    assert_true(pe->has_version);
    assert_version(pe->file_version, 6, 0, 3790, 3959);
    assert_version(pe->product_version, 6, 0, 3790, 3959);
    assert_string_equal(kb_pe_string_get(pe, "FileVersion"),
                        "6.0.3790.3959 (srv03_sp2_rtm.070216-1710)");
    assert_string_equal(kb_pe_string_get(pe, "ProductVersion"), "6.0.3790.3959");
    assert_string_equal(kb_pe_string_get(pe, "CompanyName"), "Microsoft Corporation");
    assert_string_equal(kb_pe_string_get(pe, "ProductName"),
                        "Microsoft\xc2\xae Windows\xc2\xae Operating System");
    assert_string_equal(kb_pe_string_get(pe, "FileDescription"), "IIS Utility DLL");
    assert_string_equal(kb_pe_string_get(pe, "InternalName"), "iisutil.dll");
    assert_string_equal(kb_pe_string_get(pe, "OriginalFilename"), "iisutil.dll");
    assert_string_equal(kb_pe_string_get(pe, "LegalCopyright"), "none");
    assert_int_equal(pe->string_count, 8);
    assert_string_equal(pe->build_lab, "srv03_sp2_rtm.070216-1710");
    assert_string_equal(pe->branch, "srv03_sp2_rtm");
    assert_int_equal(pe->export_count, 4);
    assert_string_equal(pe->exports[0], "?Append@STRU@@QAEJPBG@Z");
    assert_string_equal(pe->exports[1], COPY_NAME);
    assert_string_equal(pe->exports[2], "IISInitializeCriticalSection");
    assert_string_equal(pe->exports[3], "Stdcall@8");
    assert_true(kb_pe_has_export(pe, COPY_NAME));
    assert_true(kb_pe_has_export(pe, "Stdcall@8"));
    assert_false(kb_pe_has_export(pe, "Stdcall"));
    assert_false(kb_pe_has_export(pe, "?Copy@MULTISZ@@QAEHPBG@Z"));
    assert_int_equal(pe->import_count, 1);
    dll = kb_pe_import_find(pe, "kernel32.dll");
    assert_non_null(dll);
    assert_string_equal(dll->name, "KERNEL32.dll");
    assert_int_equal(dll->name_count, 2);
    assert_string_equal(dll->names[0], "GetTickCount");
    assert_string_equal(dll->names[1], "GetVersion");
    assert_int_equal(dll->ordinal_count, 0);
    kb_pe_free(pe);
}

static void test_kb_pe_parse_mkpe_w3core_x64(void **state)
{
    const kb_pe_import_dll *dll;
    kb_pe *pe = load_pe("w3core_x64.dll");
    kb_pe *iisutil = load_pe("iisutil_x86.dll");
    size_t i;

    (void)state;
    assert_int_equal(pe->machine, KB_PE_MACHINE_AMD64);
    assert_string_equal(kb_pe_machine_name(pe->machine), "amd64");
    assert_true(pe->pe32plus);
    assert_version(pe->file_version, 6, 0, 3790, 4693);
    assert_version(pe->product_version, 6, 0, 3790, 4693);
    assert_string_equal(pe->build_lab, "srv03_sp2_qfe.100414-1800");
    assert_string_equal(pe->branch, "srv03_sp2_qfe");
    assert_string_equal(kb_pe_string_get(pe, "OriginalFilename"), "w3core.dll");
    assert_string_equal(kb_pe_string_get(pe, "FileDescription"), "IIS Web Server Core");
    assert_string_equal(kb_pe_string_get(pe, "CompanyName"), "kbprobe test fixtures");
    assert_int_equal(pe->export_count, 1);
    assert_string_equal(pe->exports[0], "?W3CoreInit@@YAJXZ");
    assert_int_equal(pe->import_count, 2);
    dll = kb_pe_import_find(pe, "IISUTIL.DLL");
    assert_non_null(dll);
    assert_int_equal(dll->name_count, 2);
    assert_string_equal(dll->names[0], "?Append@STRU@@QAEJPBG@Z");
    assert_string_equal(dll->names[1], COPY_NAME);
    assert_int_equal(dll->ordinal_count, 0);
    /* the check kbprobe makes: every import from IISUTIL.DLL resolves */
    for (i = 0; i < dll->name_count; i++)
        assert_true(kb_pe_has_export(iisutil, dll->names[i]));
    dll = kb_pe_import_find(pe, "kernel32.DLL");
    assert_non_null(dll);
    assert_int_equal(dll->name_count, 1);
    assert_string_equal(dll->names[0], "GetTickCount");
    kb_pe_free(iisutil);
    kb_pe_free(pe);
}

static void test_kb_pe_parse_mkpe_w3core_x86(void **state)
{
    const kb_pe_import_dll *dll;
    kb_pe *pe = load_pe("w3core_x86.dll");

    (void)state;
    assert_int_equal(pe->machine, KB_PE_MACHINE_I386);
    assert_version(pe->file_version, 6, 0, 3790, 1830);
    assert_string_equal(pe->branch, "srv03_sp1_rtm");
    assert_int_equal(pe->export_count, 0);
    assert_int_equal(pe->import_count, 2);
    dll = kb_pe_import_find(pe, "iisutil.dll");
    assert_non_null(dll);
    assert_int_equal(dll->name_count, 2);
    assert_string_equal(dll->names[0], "?Append@STRU@@QAEJPBG@Z");
    assert_string_equal(dll->names[1], COPY_NAME);
    dll = kb_pe_import_find(pe, "NTDLL.DLL");
    assert_non_null(dll);
    assert_string_equal(dll->names[0], "RtlGetVersion");
    kb_pe_free(pe);
}

static void test_kb_pe_parse_mkpe_w3wp_x86_exe(void **state)
{
    const kb_pe_import_dll *dll;
    kb_pe *pe = load_pe("w3wp_x86.exe");

    (void)state;
    assert_int_equal(pe->machine, KB_PE_MACHINE_I386);
    assert_false(pe->characteristics & 0x2000);
    assert_version(pe->file_version, 6, 0, 3790, 0);
    assert_version(pe->product_version, 6, 0, 3790, 1);
    assert_string_equal(pe->build_lab, "srv03_rtm.030324-2048");
    assert_string_equal(pe->branch, "srv03_rtm");
    assert_string_equal(kb_pe_string_get(pe, "ProductVersion"), "6.0.3790.1");
    assert_string_equal(kb_pe_string_get(pe, "comments"),
                        "unicode \xc2\xa9 \xc3\xa9 \xe4\xb8\xad \\ \"quoted\"");
    assert_int_equal(pe->string_count, 9);
    assert_int_equal(pe->export_count, 0);
    dll = kb_pe_import_find(pe, "KERNEL32.dll");
    assert_non_null(dll);
    assert_int_equal(dll->name_count, 1);
    assert_string_equal(dll->names[0], "ExitProcess");
    kb_pe_free(pe);
}

static void test_kb_pe_parse_mkpe_no_version(void **state)
{
    kb_pe *pe = load_pe("noversion_x64.dll");

    (void)state;
    assert_int_equal(pe->machine, KB_PE_MACHINE_AMD64);
    assert_true(pe->pe32plus);
    assert_false(pe->has_version);
    assert_int_equal(pe->string_count, 0);
    assert_null(kb_pe_string_get(pe, "FileVersion"));
    assert_null(pe->build_lab);
    assert_null(pe->branch);
    assert_int_equal(pe->export_count, 1);
    assert_true(kb_pe_has_export(pe, "OnlyExport"));
    assert_int_equal(pe->import_count, 0);
    kb_pe_free(pe);
}

/* ---- robustness: truncations and single-byte mutations -------------------------------- */

static uint32_t next_random(uint32_t *seed)
{
    /* xorshift32: deterministic, so a failure reproduces */
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    return *seed;
}

/* Parses data and only checks that a status came back consistently. */
static void parse_any(const uint8_t *data, size_t size, size_t *ok)
{
    kb_pe *pe = NULL;
    kb_error err;
    kb_status st;

    kb_error_clear(&err);
    st = kb_pe_parse(data, size, &pe, &err);
    if (st == KB_OK) {
        assert_non_null(pe);
        (*ok)++;
    } else {
        assert_null(pe);
        assert_true(st == KB_ERR_CORRUPT || st == KB_ERR_LIMIT || st == KB_ERR_UNSUPPORTED);
    }
    kb_pe_free(pe);
}

/* Random mutations per file: 3000 by default (a couple of seconds under the sanitizers);
 * KB_PE_MUTATIONS=N asks for a longer run. */
static size_t mutation_count(void)
{
    const char *text = getenv("KB_PE_MUTATIONS");
    char *end = NULL;
    unsigned long n;

    if (text == NULL || *text == '\0')
        return 3000;
    n = strtoul(text, &end, 10);
    return end != NULL && *end == '\0' ? (size_t)n : 3000;
}

static void mutate_all(const uint8_t *original, size_t size, uint32_t seed)
{
    static const uint8_t values[] = {0x00, 0xff, 0x80, 0x7f, 0x01, 0x10};
    uint8_t *copy = malloc(size);
    size_t n, i, v, ok = 0, count = mutation_count();

    assert_non_null(copy);
    memcpy(copy, original, size);
    /* every truncation */
    for (n = 0; n < size; n++)
        parse_any(copy, n, &ok);
    /* every byte of the first KiB (all headers) set to a few edge values */
    for (i = 0; i < size && i < 1024; i++) {
        for (v = 0; v < sizeof(values); v++) {
            copy[i] = values[v];
            parse_any(copy, size, &ok);
        }
        copy[i] = original[i];
    }
    /* random single-byte mutations anywhere, and random pairs */
    for (n = 0; n < count; n++) {
        size_t a = next_random(&seed) % size, b = next_random(&seed) % size;

        copy[a] = (uint8_t)next_random(&seed);
        parse_any(copy, size, &ok);
        if (n % 2 == 0) {
            copy[b] = (uint8_t)next_random(&seed);
            parse_any(copy, size, &ok);
            copy[b] = original[b];
        }
        copy[a] = original[a];
    }
    /* the unmutated file still parses */
    parse_any(copy, size, &ok);
    assert_true(ok > 0);
    free(copy);
}

static void test_kb_pe_parse_mutations_mkpe(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < PE_FILE_COUNT; i++) {
        blob b;

        load(pe_files[i], &b);
        mutate_all(b.data, b.size, 0x9e3779b9u + (uint32_t)i);
        free(b.data);
    }
}

static void test_kb_pe_parse_mutations_crafted(void **state)
{
    crafted c;

    (void)state;
    craft(&c, false, 0);
    mutate_all(c.data, c.size, 12345);
    craft(&c, true, 0);
    mutate_all(c.data, c.size, 54321);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kb_pe_parse_crafted_pe32),
        cmocka_unit_test(test_kb_pe_parse_crafted_pe32plus),
        cmocka_unit_test(test_kb_pe_parse_arguments),
        cmocka_unit_test(test_kb_pe_machine_name_known),
        cmocka_unit_test(test_kb_pe_parse_bad_mz),
        cmocka_unit_test(test_kb_pe_parse_short_dos_header),
        cmocka_unit_test(test_kb_pe_parse_lfanew_out_of_bounds),
        cmocka_unit_test(test_kb_pe_parse_bad_pe_signature),
        cmocka_unit_test(test_kb_pe_parse_section_count_over_cap),
        cmocka_unit_test(test_kb_pe_parse_section_table_past_eof),
        cmocka_unit_test(test_kb_pe_parse_optional_header_past_eof),
        cmocka_unit_test(test_kb_pe_parse_optional_header_too_small),
        cmocka_unit_test(test_kb_pe_parse_bad_optional_magic),
        cmocka_unit_test(test_kb_pe_parse_directory_count),
        cmocka_unit_test(test_kb_pe_parse_no_directories_no_version),
        cmocka_unit_test(test_kb_pe_parse_rva_outside_every_section),
        cmocka_unit_test(test_kb_pe_parse_section_raw_data_past_eof),
        cmocka_unit_test(test_kb_pe_parse_export_name_pointer_out_of_range),
        cmocka_unit_test(test_kb_pe_parse_export_name_without_terminator),
        cmocka_unit_test(test_kb_pe_parse_export_name_too_long),
        cmocka_unit_test(test_kb_pe_parse_absurd_number_of_names),
        cmocka_unit_test(test_kb_pe_parse_export_directory_truncated),
        cmocka_unit_test(test_kb_pe_parse_import_name_out_of_range),
        cmocka_unit_test(test_kb_pe_parse_import_thunks_without_terminator),
        cmocka_unit_test(test_kb_pe_parse_import_reserved_bits),
        cmocka_unit_test(test_kb_pe_parse_import_directory_without_terminator),
        cmocka_unit_test(test_kb_pe_parse_import_ordinals_only),
        cmocka_unit_test(test_kb_pe_parse_resource_loop),
        cmocka_unit_test(test_kb_pe_parse_resource_too_deep),
        cmocka_unit_test(test_kb_pe_parse_resource_absurd_entry_count),
        cmocka_unit_test(test_kb_pe_parse_resource_directory_out_of_bounds),
        cmocka_unit_test(test_kb_pe_parse_no_version_type),
        cmocka_unit_test(test_kb_pe_parse_version_length_past_resource),
        cmocka_unit_test(test_kb_pe_parse_version_length_smaller_than_header),
        cmocka_unit_test(test_kb_pe_parse_version_key_without_nul),
        cmocka_unit_test(test_kb_pe_parse_version_odd_value_without_nul),
        cmocka_unit_test(test_kb_pe_parse_version_bad_fixed_signature),
        cmocka_unit_test(test_kb_pe_parse_version_fixed_too_short),
        cmocka_unit_test(test_kb_pe_parse_version_without_fixed_info),
        cmocka_unit_test(test_kb_pe_parse_version_wrong_root_key),
        cmocka_unit_test(test_kb_pe_parse_version_strings_over_cap),
        cmocka_unit_test(test_kb_pe_parse_version_no_build_lab),
        cmocka_unit_test(test_kb_pe_parse_crafted_truncations),
        cmocka_unit_test(test_kb_pe_parse_mkpe_iisutil_x86),
        cmocka_unit_test(test_kb_pe_parse_mkpe_w3core_x64),
        cmocka_unit_test(test_kb_pe_parse_mkpe_w3core_x86),
        cmocka_unit_test(test_kb_pe_parse_mkpe_w3wp_x86_exe),
        cmocka_unit_test(test_kb_pe_parse_mkpe_no_version),
        cmocka_unit_test(test_kb_pe_parse_mutations_mkpe),
        cmocka_unit_test(test_kb_pe_parse_mutations_crafted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
