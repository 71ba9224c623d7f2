/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pe.h - kbprobe's own parser of PE32 and PE32+ files (DLLs and EXEs), hardened against
 * hostile input.
 *
 * Reads, from a memory buffer: the DOS header, PE signature, COFF header, optional header,
 * section table; the resource tree down to RT_VERSION and its VS_VERSIONINFO (the numeric
 * VS_FIXEDFILEINFO versions and the strings of the first StringFileInfo table); the export
 * names; the import table (DLL -> names imported by name, plus a count of by-ordinal
 * imports). Source: the Microsoft PE/COFF specification and the VS_VERSIONINFO,
 * StringFileInfo, StringTable and String structure documentation.
 *
 * Every offset, size and RVA read from the file is checked before use (through kb_span and
 * RVA mapping that stays inside one section's raw data); every count is capped by
 * src/util/limits.h (KB_ERR_LIMIT past a cap); the resource walk has a depth limit and a
 * visited-offset guard. A malformed file is KB_ERR_CORRUPT with a message naming the
 * structure and the file offset. Below: util. Above: facts.
 */
#ifndef KB_PE_H
#define KB_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/fs.h"
#include "util/error.h"
#include "util/hash.h"

/* COFF machine types (PE/COFF specification, "Machine Types") */
#define KB_PE_MACHINE_I386 0x014c
#define KB_PE_MACHINE_IA64 0x0200
#define KB_PE_MACHINE_AMD64 0x8664

/* One imported DLL: the names imported by name from it (in table order, as spelled in the
 * file, duplicates kept) and how many imports are by ordinal. */
typedef struct kb_pe_import_dll {
    char *name;            /* DLL name as written in the import descriptor ("IISUTIL.DLL") */
    char **names;          /* name_count imported names */
    size_t name_count;
    size_t ordinal_count;  /* imports by ordinal (no name to check) */
} kb_pe_import_dll;

/* One String of the StringFileInfo table, converted from UTF-16LE to UTF-8. */
typedef struct kb_pe_string {
    char *key;
    char *value;
} kb_pe_string;

typedef struct kb_pe {
    uint16_t machine;          /* COFF Machine (KB_PE_MACHINE_...) */
    bool pe32plus;             /* optional header magic 0x20b */
    uint16_t characteristics;  /* COFF Characteristics (0x2000 = DLL) */
    uint32_t timestamp;        /* COFF TimeDateStamp, seconds since 1970 */
    uint16_t section_count;

    bool has_version;             /* a VS_VERSIONINFO with a VS_FIXEDFILEINFO was found */
    uint16_t file_version[4];     /* dwFileVersionMS >> 16, & 0xffff, LS >> 16, & 0xffff */
    uint16_t product_version[4];  /* the same from dwProductVersionMS/LS */
    kb_pe_string *strings;        /* first StringFileInfo table, in file order */
    size_t string_count;
    /* From the FileVersion string "6.0.3790.3959 (srv03_sp2_rtm.070216-1710)": build_lab is
     * the text in parentheses, branch its part before the first '.' ("srv03_sp2_rtm").
     * NULL when absent. */
    char *build_lab;
    char *branch;

    char **exports;  /* exported names, sorted by strcmp (byte order) */
    size_t export_count;
    kb_pe_import_dll *imports;  /* in import-descriptor order */
    size_t import_count;
} kb_pe;

/*
 * Parses the PE file in data[0..size). On KB_OK *out receives a new kb_pe that the caller
 * frees with kb_pe_free(); it does not point into data. A valid file without a version
 * resource is KB_OK with has_version false. Errors: KB_ERR_CORRUPT (malformed, the message
 * names the structure and offset), KB_ERR_LIMIT (a cap of limits.h), KB_ERR_UNSUPPORTED
 * (an optional header that is neither PE32 nor PE32+), KB_ERR_NOMEM, KB_ERR_ARGUMENT; *out
 * is then NULL.
 */
kb_status kb_pe_parse(const uint8_t *data, size_t size, kb_pe **out, kb_error *err);

/* Frees a kb_pe and everything it owns. NULL is fine. */
void kb_pe_free(kb_pe *pe);

/* The value of the StringFileInfo string `key` (ASCII case-insensitive), or NULL. The string
 * belongs to pe. */
const char *kb_pe_string_get(const kb_pe *pe, const char *key);

/* True when `name` is exported by name (exact, case-sensitive match as the loader binds;
 * binary search over the sorted export names). */
bool kb_pe_has_export(const kb_pe *pe, const char *name);

/* The first import descriptor for DLL `dll` (ASCII case-insensitive), or NULL. */
const kb_pe_import_dll *kb_pe_import_find(const kb_pe *pe, const char *dll);

/* A short name for a COFF machine: "i386", "amd64", "ia64", "arm", "arm64", "unknown". */
const char *kb_pe_machine_name(uint16_t machine);

/*
 * Reads `path` from the file system (at most KB_MAX_FILE_BYTES, else KB_ERR_LIMIT) and
 * parses it. meta and sha256 may be NULL; they are filled whenever the read succeeded, even
 * when parsing then fails (the returned status and err are then the parser's).
 * KB_ERR_NOT_FOUND when the file is absent. On KB_OK the caller frees *out.
 */
kb_status kb_pe_load(kb_fs *fs, const char *path, kb_pe **out, kb_file_meta *meta,
                     char sha256[KB_SHA256_HEX_SIZE], kb_error *err);

/*
 * Calls cb for each entry of the directory `path` on fs whose name ends in .dll or .exe
 * (case-insensitive) and is not a directory: the PE files of inetsrv, without walking
 * anything but that one directory. cb returns non-zero to stop. Errors as kb_fs_list_dir
 * (KB_ERR_NOT_FOUND when the directory is not there). Implemented in pe_dir.c.
 */
kb_status kb_pe_list_dir(kb_fs *fs, const char *path, kb_fs_dir_cb cb, void *ctx, kb_error *err);

#endif
