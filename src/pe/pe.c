/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pe.c - PE headers, section table, RVA mapping, export and import tables.
 *
 * Layouts from the Microsoft PE/COFF specification; offsets below are relative to the start
 * of each structure. Every field is read through a kb_span; nothing is cast onto file bytes.
 */
#include "pe/pe.h"

#include <stdlib.h>
#include <string.h>

#include "pe/pe_internal.h"
#include "util/limits.h"
#include "util/span.h"
#include "util/text.h"

/*
 * MS-DOS header (64 bytes): e_magic "MZ" at +0, e_lfanew (file offset of the PE signature)
 * at +0x3c.
 */
#define DOS_HEADER_SIZE 64
#define DOS_LFANEW 0x3c

/*
 * "PE\0\0" then the COFF file header (20 bytes):
 *   +0 Machine u16, +2 NumberOfSections u16, +4 TimeDateStamp u32,
 *   +8 PointerToSymbolTable u32, +12 NumberOfSymbols u32, +16 SizeOfOptionalHeader u16,
 *   +18 Characteristics u16.
 */
#define PE_SIGNATURE_SIZE 4
#define COFF_HEADER_SIZE 20

/*
 * Optional header: +0 Magic u16 (0x10b PE32, 0x20b PE32+), +60 SizeOfHeaders u32 (both);
 * NumberOfRvaAndSizes at +92 (PE32) / +108 (PE32+), followed by the data directories
 * (8 bytes each: VirtualAddress u32, Size u32).
 */
#define OPT_MAGIC_PE32 0x10b
#define OPT_MAGIC_PE32PLUS 0x20b
#define OPT_SIZE_OF_HEADERS 60
#define OPT_PE32_DIR_COUNT 92
#define OPT_PE32PLUS_DIR_COUNT 108

/* Section table entry: 40 bytes (fields in pe_internal.h). */
#define SECTION_ENTRY_SIZE 40

/*
 * Export directory (40 bytes): +20 NumberOfFunctions u32, +24 NumberOfNames u32,
 * +28 AddressOfFunctions u32, +32 AddressOfNames u32 (RVA of NumberOfNames name RVAs),
 * +36 AddressOfNameOrdinals u32.
 */
#define EXPORT_DIR_SIZE 40

/*
 * Import directory entry (20 bytes): +0 OriginalFirstThunk (import lookup table RVA),
 * +4 TimeDateStamp, +8 ForwarderChain, +12 Name (RVA of the DLL name), +16 FirstThunk (import
 * address table RVA). An all-zero entry ends the table. Lookup entries are 4 bytes (PE32) or
 * 8 bytes (PE32+): top bit set = by ordinal, otherwise a 31-bit RVA of a hint/name entry
 * (+0 Hint u16, +2 the NUL-terminated name).
 */
#define IMPORT_DESCRIPTOR_SIZE 20

/* Growth of the arrays built while parsing. */
#define INITIAL_CAPACITY 16

kb_status kb_pe_rva_map(const kb_pe_image *image, uint32_t rva, size_t len, size_t *off,
                        size_t *avail, const char *what, kb_error *err)
{
    size_t file_size = image->file.size;
    uint16_t i;

    for (i = 0; i < image->section_count; i++) {
        const kb_pe_section *s = &image->sections[i];
        uint32_t extent = s->virtual_size > s->raw_size ? s->virtual_size : s->raw_size;
        size_t delta, raw;

        if (rva < s->virtual_address || rva - s->virtual_address >= extent)
            continue;
        delta = rva - s->virtual_address;
        /* raw data clipped to the file: a section may claim more than the file holds */
        raw = s->raw_offset > file_size ? 0 : file_size - s->raw_offset;
        if (raw > s->raw_size)
            raw = s->raw_size;
        if (delta >= raw || len > raw - delta)
            return kb_error_set(err, KB_ERR_CORRUPT,
                                "%s rva 0x%x (%zu bytes) past the raw data of section %u", what,
                                (unsigned)rva, len, (unsigned)i + 1);
        *off = (size_t)s->raw_offset + delta;
        if (avail != NULL)
            *avail = raw - delta;
        return KB_OK;
    }
    /* The headers are mapped at RVA 0 with their file layout. */
    if (rva < image->size_of_headers && rva < file_size) {
        size_t end = image->size_of_headers < file_size ? image->size_of_headers : file_size;

        if (len <= end - rva) {
            *off = rva;
            if (avail != NULL)
                *avail = end - rva;
            return KB_OK;
        }
    }
    return kb_error_set(err, KB_ERR_CORRUPT, "%s rva 0x%x outside every section", what,
                        (unsigned)rva);
}

/*
 * Copies the NUL-terminated string at `rva` (inside one section) into a new buffer.
 * KB_ERR_LIMIT past KB_MAX_SYMBOL_BYTES, KB_ERR_CORRUPT when it runs off its section.
 */
static kb_status read_name(const kb_pe_image *image, uint32_t rva, const char *what, char **out,
                           kb_error *err)
{
    const uint8_t *p, *nul;
    size_t off = 0, avail = 0, scan;
    kb_status st;

    st = kb_pe_rva_map(image, rva, 1, &off, &avail, what, err);
    if (st != KB_OK)
        return st;
    scan = avail < KB_MAX_SYMBOL_BYTES + 1 ? avail : KB_MAX_SYMBOL_BYTES + 1;
    p = kb_span_at(&image->file, off, scan);
    if (p == NULL)
        return kb_error_set(err, KB_ERR_CORRUPT, "%s out of bounds at offset 0x%zx", what, off);
    nul = memchr(p, 0, scan);
    if (nul == NULL) {
        if (scan > KB_MAX_SYMBOL_BYTES)
            return kb_error_set(err, KB_ERR_LIMIT,
                                "%s longer than KB_MAX_SYMBOL_BYTES (%u) at offset 0x%zx", what,
                                (unsigned)KB_MAX_SYMBOL_BYTES, off);
        return kb_error_set(err, KB_ERR_CORRUPT, "%s without terminator at offset 0x%zx", what,
                            off);
    }
    *out = malloc((size_t)(nul - p) + 1);
    if (*out == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory copying %s", what);
    memcpy(*out, p, (size_t)(nul - p));
    (*out)[nul - p] = '\0';
    return KB_OK;
}

/* Makes room for one more element in a growing array of `elem` bytes. */
static kb_status grow(void **items, size_t count, size_t *capacity, size_t elem, kb_error *err)
{
    void *bigger;
    size_t want;

    if (count < *capacity)
        return KB_OK;
    want = *capacity == 0 ? INITIAL_CAPACITY : *capacity * 2;
    bigger = realloc(*items, want * elem);
    if (bigger == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory growing a pe table");
    *items = bigger;
    *capacity = want;
    return KB_OK;
}

static int compare_names(const void *a, const void *b)
{
    const char *const *x = a;
    const char *const *y = b;

    return strcmp(*x, *y);
}

/* DOS header, PE signature, COFF header, optional header, section table. */
static kb_status parse_headers(kb_pe_image *image, kb_pe *pe, kb_error *err)
{
    const kb_span *file = &image->file;
    uint32_t lfanew, dir_count, i;
    uint16_t magic16, opt_size;
    size_t coff, opt, table, dir_off;
    const uint8_t *sig;

    sig = kb_span_at(file, 0, DOS_HEADER_SIZE);
    if (sig == NULL || sig[0] != 'M' || sig[1] != 'Z')
        return kb_error_set(err, KB_ERR_CORRUPT, "no MZ signature in the dos header at offset 0x0");
    (void)kb_span_le32(file, DOS_LFANEW, &lfanew);
    sig = kb_span_at(file, lfanew, PE_SIGNATURE_SIZE + COFF_HEADER_SIZE);
    if (sig == NULL)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "pe header out of bounds at offset 0x%lx (e_lfanew)",
                            (unsigned long)lfanew);
    if (memcmp(sig, "PE\0\0", PE_SIGNATURE_SIZE) != 0)
        return kb_error_set(err, KB_ERR_CORRUPT, "no PE signature at offset 0x%lx",
                            (unsigned long)lfanew);

    coff = (size_t)lfanew + PE_SIGNATURE_SIZE;
    (void)kb_span_le16(file, coff + 0, &pe->machine);
    (void)kb_span_le16(file, coff + 2, &pe->section_count);
    (void)kb_span_le32(file, coff + 4, &pe->timestamp);
    (void)kb_span_le16(file, coff + 16, &opt_size);
    (void)kb_span_le16(file, coff + 18, &pe->characteristics);
    if (pe->section_count > KB_MAX_PE_SECTIONS)
        return kb_error_set(err, KB_ERR_LIMIT,
                            "%u sections over KB_MAX_PE_SECTIONS (%u) in the coff header at "
                            "offset 0x%zx",
                            (unsigned)pe->section_count, (unsigned)KB_MAX_PE_SECTIONS, coff);

    opt = coff + COFF_HEADER_SIZE;
    if (!kb_span_fits(file, opt, opt_size))
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "optional header (%u bytes) past the end of the file at offset 0x%zx",
                            (unsigned)opt_size, opt);
    if (opt_size < 2 || kb_span_le16(file, opt, &magic16) != KB_OK)
        return kb_error_set(err, KB_ERR_CORRUPT, "optional header missing at offset 0x%zx", opt);
    if (magic16 == OPT_MAGIC_PE32)
        image->pe32plus = false;
    else if (magic16 == OPT_MAGIC_PE32PLUS)
        image->pe32plus = true;
    else
        return kb_error_set(err, KB_ERR_UNSUPPORTED,
                            "optional header magic 0x%x is neither PE32 nor PE32+ at offset 0x%zx",
                            (unsigned)magic16, opt);
    pe->pe32plus = image->pe32plus;

    dir_off = image->pe32plus ? OPT_PE32PLUS_DIR_COUNT : OPT_PE32_DIR_COUNT;
    if (opt_size < dir_off + 4)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "optional header too small (%u bytes) for its magic at offset 0x%zx",
                            (unsigned)opt_size, opt);
    (void)kb_span_le32(file, opt + OPT_SIZE_OF_HEADERS, &image->size_of_headers);
    (void)kb_span_le32(file, opt + dir_off, &dir_count);
    /* The loader reads at most 16 directories whatever the count says; the ones it reads
     * must lie inside SizeOfOptionalHeader. */
    if (dir_count > KB_PE_MAX_DIRS)
        dir_count = KB_PE_MAX_DIRS;
    if ((size_t)dir_count * 8 > opt_size - dir_off - 4)
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "%lu data directories do not fit the optional header at offset 0x%zx",
                            (unsigned long)dir_count, opt + dir_off);
    for (i = 0; i < dir_count; i++) {
        size_t at = opt + dir_off + 4 + (size_t)i * 8;

        (void)kb_span_le32(file, at, &image->dir_rva[i]);
        (void)kb_span_le32(file, at + 4, &image->dir_size[i]);
    }

    table = opt + opt_size;
    if (!kb_span_fits(file, table, (size_t)pe->section_count * SECTION_ENTRY_SIZE))
        return kb_error_set(err, KB_ERR_CORRUPT,
                            "section table (%u entries) past the end of the file at offset 0x%zx",
                            (unsigned)pe->section_count, table);
    image->section_count = pe->section_count;
    for (i = 0; i < pe->section_count; i++) {
        size_t at = table + (size_t)i * SECTION_ENTRY_SIZE;
        kb_pe_section *s = &image->sections[i];

        (void)kb_span_le32(file, at + 8, &s->virtual_size);
        (void)kb_span_le32(file, at + 12, &s->virtual_address);
        (void)kb_span_le32(file, at + 16, &s->raw_size);
        (void)kb_span_le32(file, at + 20, &s->raw_offset);
    }
    return KB_OK;
}

/* The export name pointer table, sorted. */
static kb_status parse_exports(const kb_pe_image *image, kb_pe *pe, kb_error *err)
{
    uint32_t rva = image->dir_rva[KB_PE_DIR_EXPORT], count, names_rva, name_rva;
    size_t dir, names, i;
    kb_status st;

    if (rva == 0 || image->dir_size[KB_PE_DIR_EXPORT] == 0)
        return KB_OK;
    st = kb_pe_rva_map(image, rva, EXPORT_DIR_SIZE, &dir, NULL, "export directory", err);
    if (st != KB_OK)
        return st;
    (void)kb_span_le32(&image->file, dir + 24, &count);
    (void)kb_span_le32(&image->file, dir + 32, &names_rva);
    if (count == 0)
        return KB_OK;
    if (count > KB_MAX_EXPORTS)
        return kb_error_set(err, KB_ERR_LIMIT,
                            "%lu export names over KB_MAX_EXPORTS (%u) in the export directory at "
                            "offset 0x%zx",
                            (unsigned long)count, (unsigned)KB_MAX_EXPORTS, dir);
    st = kb_pe_rva_map(image, names_rva, (size_t)count * 4, &names, NULL,
                       "export name pointer table", err);
    if (st != KB_OK)
        return st;
    pe->exports = calloc(count, sizeof(*pe->exports));
    if (pe->exports == NULL)
        return kb_error_set(err, KB_ERR_NOMEM, "out of memory for %lu export names",
                            (unsigned long)count);
    for (i = 0; i < count; i++) {
        (void)kb_span_le32(&image->file, names + i * 4, &name_rva);
        st = read_name(image, name_rva, "export name", &pe->exports[i], err);
        if (st != KB_OK) {
            kb_error_prefix(err, "export %zu (pointer at offset 0x%zx)", i, names + i * 4);
            return st;
        }
        pe->export_count = i + 1;
    }
    qsort(pe->exports, pe->export_count, sizeof(*pe->exports), compare_names);
    return KB_OK;
}

/* One import descriptor's lookup table: names and ordinal count into dll. */
static kb_status parse_thunks(const kb_pe_image *image, uint32_t thunk_rva, kb_pe_import_dll *dll,
                              size_t *total_names, kb_error *err)
{
    size_t thunk_size = image->pe32plus ? 8 : 4, off, avail, i, capacity = 0;
    kb_status st;

    st = kb_pe_rva_map(image, thunk_rva, thunk_size, &off, &avail, "import lookup table", err);
    if (st != KB_OK)
        return st;
    for (i = 0;; i++) {
        uint64_t entry;
        uint32_t name_rva;
        char *name = NULL;

        if (i >= avail / thunk_size)
            return kb_error_set(err, KB_ERR_CORRUPT,
                                "import lookup table without terminator at offset 0x%zx", off);
        if (image->pe32plus) {
            (void)kb_span_le64(&image->file, off + i * 8, &entry);
        } else {
            uint32_t e32;

            (void)kb_span_le32(&image->file, off + i * 4, &e32);
            entry = e32;
        }
        if (entry == 0)
            return KB_OK;
        if (dll->name_count + dll->ordinal_count >= KB_MAX_IMPORTS_PER_DLL)
            return kb_error_set(err, KB_ERR_LIMIT,
                                "more than KB_MAX_IMPORTS_PER_DLL (%u) imports in the lookup table "
                                "at offset 0x%zx",
                                (unsigned)KB_MAX_IMPORTS_PER_DLL, off);
        if (entry >> (thunk_size * 8 - 1)) {
            dll->ordinal_count++;
            continue;
        }
        if (entry > 0x7fffffffu)
            return kb_error_set(err, KB_ERR_CORRUPT,
                                "import lookup entry 0x%llx has reserved bits set at offset 0x%zx",
                                (unsigned long long)entry, off + i * thunk_size);
        if (*total_names >= KB_MAX_IMPORT_NAMES)
            return kb_error_set(err, KB_ERR_LIMIT,
                                "more than KB_MAX_IMPORT_NAMES (%u) imported names at offset 0x%zx",
                                (unsigned)KB_MAX_IMPORT_NAMES, off + i * thunk_size);
        name_rva = (uint32_t)entry;
        if (name_rva > UINT32_MAX - 2)
            return kb_error_set(err, KB_ERR_CORRUPT,
                                "import hint/name rva 0x%lx out of range at offset 0x%zx",
                                (unsigned long)name_rva, off + i * thunk_size);
        st = grow((void **)&dll->names, dll->name_count, &capacity, sizeof(*dll->names), err);
        if (st != KB_OK)
            return st;
        st = read_name(image, name_rva + 2, "import name", &name, err);
        if (st != KB_OK) {
            kb_error_prefix(err, "import lookup entry at offset 0x%zx", off + i * thunk_size);
            return st;
        }
        dll->names[dll->name_count++] = name;
        (*total_names)++;
    }
}

/* The import directory: one kb_pe_import_dll per descriptor, up to the all-zero one. */
static kb_status parse_imports(const kb_pe_image *image, kb_pe *pe, kb_error *err)
{
    uint32_t rva = image->dir_rva[KB_PE_DIR_IMPORT];
    size_t off, avail, i, capacity = 0, total_names = 0;
    kb_status st;

    if (rva == 0 || image->dir_size[KB_PE_DIR_IMPORT] == 0)
        return KB_OK;
    st = kb_pe_rva_map(image, rva, IMPORT_DESCRIPTOR_SIZE, &off, &avail, "import directory", err);
    if (st != KB_OK)
        return st;
    for (i = 0;; i++) {
        size_t at = off + i * IMPORT_DESCRIPTOR_SIZE;
        uint32_t lookup, name_rva, first;
        kb_pe_import_dll *dll;

        if (i >= avail / IMPORT_DESCRIPTOR_SIZE)
            return kb_error_set(err, KB_ERR_CORRUPT,
                                "import directory without terminator at offset 0x%zx", off);
        (void)kb_span_le32(&image->file, at + 0, &lookup);
        (void)kb_span_le32(&image->file, at + 12, &name_rva);
        (void)kb_span_le32(&image->file, at + 16, &first);
        /* The loader stops at the first descriptor without a name and address table. */
        if (name_rva == 0 && first == 0)
            return KB_OK;
        if (i >= KB_MAX_IMPORT_DLLS)
            return kb_error_set(err, KB_ERR_LIMIT,
                                "more than KB_MAX_IMPORT_DLLS (%u) import descriptors at offset "
                                "0x%zx",
                                (unsigned)KB_MAX_IMPORT_DLLS, off);
        st = grow((void **)&pe->imports, pe->import_count, &capacity, sizeof(*pe->imports), err);
        if (st != KB_OK)
            return st;
        dll = &pe->imports[pe->import_count];
        memset(dll, 0, sizeof(*dll));
        pe->import_count++;
        st = read_name(image, name_rva, "import dll name", &dll->name, err);
        if (st != KB_OK) {
            kb_error_prefix(err, "import descriptor at offset 0x%zx", at);
            return st;
        }
        /* Without a lookup table (old linkers) the address table holds the same entries. */
        st = parse_thunks(image, lookup != 0 ? lookup : first, dll, &total_names, err);
        if (st != KB_OK) {
            kb_error_prefix(err, "imports from %s", dll->name);
            return st;
        }
    }
}

kb_status kb_pe_parse(const uint8_t *data, size_t size, kb_pe **out, kb_error *err)
{
    kb_pe_image *image = NULL;
    kb_pe *pe = NULL;
    kb_status st;

    if (out == NULL || (data == NULL && size != 0))
        return kb_error_set(err, KB_ERR_ARGUMENT, "kb_pe_parse: no buffer or no result pointer");
    *out = NULL;
    image = calloc(1, sizeof(*image));
    pe = calloc(1, sizeof(*pe));
    if (image == NULL || pe == NULL) {
        st = kb_error_set(err, KB_ERR_NOMEM, "out of memory for a pe");
        goto out;
    }
    image->file = kb_span_make(data, size);
    st = parse_headers(image, pe, err);
    if (st != KB_OK)
        goto out;
    st = parse_exports(image, pe, err);
    if (st != KB_OK)
        goto out;
    st = parse_imports(image, pe, err);
    if (st != KB_OK)
        goto out;
    st = kb_pe_version_parse(image, pe, err);
    if (st != KB_OK)
        goto out;
    *out = pe;
    pe = NULL;
out:
    kb_pe_free(pe);
    free(image);
    return st;
}

void kb_pe_free(kb_pe *pe)
{
    size_t i, j;

    if (pe == NULL)
        return;
    for (i = 0; i < pe->string_count; i++) {
        free(pe->strings[i].key);
        free(pe->strings[i].value);
    }
    free(pe->strings);
    free(pe->build_lab);
    free(pe->branch);
    for (i = 0; i < pe->export_count; i++)
        free(pe->exports[i]);
    free(pe->exports);
    for (i = 0; i < pe->import_count; i++) {
        for (j = 0; j < pe->imports[i].name_count; j++)
            free(pe->imports[i].names[j]);
        free(pe->imports[i].names);
        free(pe->imports[i].name);
    }
    free(pe->imports);
    free(pe);
}

const char *kb_pe_string_get(const kb_pe *pe, const char *key)
{
    size_t i;

    if (pe == NULL || key == NULL)
        return NULL;
    for (i = 0; i < pe->string_count; i++)
        if (kb_ascii_iequal(pe->strings[i].key, key))
            return pe->strings[i].value;
    return NULL;
}

bool kb_pe_has_export(const kb_pe *pe, const char *name)
{
    if (pe == NULL || name == NULL || pe->export_count == 0)
        return false;
    return bsearch(&name, pe->exports, pe->export_count, sizeof(*pe->exports), compare_names) !=
           NULL;
}

const kb_pe_import_dll *kb_pe_import_find(const kb_pe *pe, const char *dll)
{
    size_t i;

    if (pe == NULL || dll == NULL)
        return NULL;
    for (i = 0; i < pe->import_count; i++)
        if (kb_ascii_iequal(pe->imports[i].name, dll))
            return &pe->imports[i];
    return NULL;
}

const char *kb_pe_machine_name(uint16_t machine)
{
    switch (machine) {
    case KB_PE_MACHINE_I386:
        return "i386";
    case KB_PE_MACHINE_AMD64:
        return "amd64";
    case KB_PE_MACHINE_IA64:
        return "ia64";
    case 0x01c0: /* IMAGE_FILE_MACHINE_ARM */
    case 0x01c4: /* IMAGE_FILE_MACHINE_ARMNT */
        return "arm";
    case 0xaa64: /* IMAGE_FILE_MACHINE_ARM64 */
        return "arm64";
    default:
        return "unknown";
    }
}

kb_status kb_pe_load(kb_fs *fs, const char *path, kb_pe **out, kb_file_meta *meta,
                     char sha256[KB_SHA256_HEX_SIZE], kb_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    kb_status st;

    if (out == NULL)
        return kb_error_set(err, KB_ERR_ARGUMENT, "kb_pe_load: no result pointer");
    *out = NULL;
    st = kb_fs_read_file(fs, path, KB_MAX_FILE_BYTES, &data, &len, meta, sha256, err);
    if (st != KB_OK)
        goto out;
    st = kb_pe_parse(data, len, out, err);
out:
    free(data);
    return st;
}
