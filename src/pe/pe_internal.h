/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pe_internal.h - what pe.c (headers, sections, exports, imports) shares with pe_version.c
 * (resources, VS_VERSIONINFO). Not for use outside src/pe.
 */
#ifndef KB_PE_INTERNAL_H
#define KB_PE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pe/pe.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/span.h"

/* Data directory indexes (PE/COFF specification, "Optional Header Data Directories") */
#define KB_PE_DIR_EXPORT 0
#define KB_PE_DIR_IMPORT 1
#define KB_PE_DIR_RESOURCE 2
/* The specification defines 16 directories; the loader ignores any beyond. */
#define KB_PE_MAX_DIRS 16

/* One section header, the fields RVA mapping needs (section table entry, 40 bytes:
 * VirtualSize at +8, VirtualAddress at +12, SizeOfRawData at +16, PointerToRawData at +20). */
typedef struct kb_pe_section {
    uint32_t virtual_address;
    uint32_t virtual_size;
    uint32_t raw_offset;
    uint32_t raw_size;
} kb_pe_section;

/* The headers of the file being parsed, and the file itself. */
typedef struct kb_pe_image {
    kb_span file;
    bool pe32plus;
    uint32_t size_of_headers;
    kb_pe_section sections[KB_MAX_PE_SECTIONS];
    uint16_t section_count;
    uint32_t dir_rva[KB_PE_MAX_DIRS];
    uint32_t dir_size[KB_PE_MAX_DIRS];
} kb_pe_image;

/*
 * Maps `rva` to a file offset such that [off, off+len) lies inside the raw data of the one
 * section holding rva (or inside the headers when no section does) and inside the file.
 * *avail (may be NULL) receives the bytes readable from off to the end of that raw data.
 * KB_ERR_CORRUPT naming `what` and the rva when not.
 */
kb_status kb_pe_rva_map(const kb_pe_image *image, uint32_t rva, size_t len, size_t *off,
                        size_t *avail, const char *what, kb_error *err);

/*
 * Finds RT_VERSION in the resource tree and parses its VS_VERSIONINFO into pe (has_version,
 * versions, strings, build_lab, branch). No resource directory or no RT_VERSION entry is
 * KB_OK with has_version false.
 */
kb_status kb_pe_version_parse(const kb_pe_image *image, kb_pe *pe, kb_error *err);

#endif
