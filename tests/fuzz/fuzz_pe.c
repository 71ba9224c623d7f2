/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_pe.c - libFuzzer harness for the PE parser (src/pe): kb_pe_parse on the input, then
 * every accessor the facts collector uses on a parsed file (version strings, export lookup,
 * import lookup), so that what the parser hands back is exercised too.
 */
#include <string.h>

#include "fuzz.h"
#include "pe/pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kb_pe *pe = NULL;
    kb_error err;
    size_t i, j, total = 0;

    kb_error_clear(&err);
    if (kb_pe_parse(data, size, &pe, &err) != KB_OK) {
        /* A failure must carry a message and hand back nothing. */
        if (pe != NULL || err.message[0] == '\0')
            __builtin_trap();
        return 0;
    }
    (void)kb_pe_machine_name(pe->machine);
    (void)kb_pe_string_get(pe, "FileVersion");
    (void)kb_pe_string_get(pe, "OriginalFilename");
    (void)kb_pe_has_export(pe, "?Copy@MULTISZ@@QAEHPBGK@Z");
    for (i = 0; i < pe->export_count; i++) {
        if (!kb_pe_has_export(pe, pe->exports[i]))
            __builtin_trap(); /* the export list must be sorted for the binary search */
    }
    for (i = 0; i < pe->string_count; i++)
        total += strlen(pe->strings[i].key) + strlen(pe->strings[i].value);
    for (i = 0; i < pe->import_count; i++) {
        if (kb_pe_import_find(pe, pe->imports[i].name) == NULL)
            __builtin_trap();
        for (j = 0; j < pe->imports[i].name_count; j++)
            total += strlen(pe->imports[i].names[j]);
    }
    (void)total;
    kb_pe_free(pe);
    return 0;
}
